package dev.wharf.core.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The keys of one configuration PID as its Metatype definition declares them: the {@code @ObjectClassDefinition}
 * beside each settings record, which bnd writes to {@code OSGI-INF/metatype/<pid>.xml} in the bundle. Reading
 * values through it keeps each key's type, default and range in that one declaration, which configuration tools
 * (the Web Console, {@code bin/wharf}) show as well.
 */
public final class SettingDefinitions {

    /** One {@code AD}: a key with its Metatype type, default (null: none), range (null: open) and name. */
    public record Definition(String key, String type, String defaultValue, Long min, Long max, String name) {
    }

    private final String pid;
    private final Map<String, Definition> definitions;

    private SettingDefinitions(String pid, Map<String, Definition> definitions) {
        this.pid = pid;
        this.definitions = Map.copyOf(definitions);
    }

    /**
     * Reads the definition of {@code pid} from the bundle (or class path) that holds {@code owner}.
     *
     * @throws IllegalStateException when the build wrote none: a packaging error, not a configuration one
     */
    public static SettingDefinitions load(Class<?> owner, String pid) {
        String resource = "OSGI-INF/metatype/" + pid + ".xml";
        try (InputStream in = owner.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no Metatype definition " + resource + " beside " + owner.getName());
            }
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList attributes = factory.newDocumentBuilder().parse(in).getElementsByTagName("AD");
            Map<String, Definition> definitions = new LinkedHashMap<>();
            for (int i = 0; i < attributes.getLength(); i++) {
                Element attribute = (Element) attributes.item(i);
                String key = attribute.getAttribute("id");
                definitions.put(key, new Definition(key, attribute.getAttribute("type"),
                        attribute.hasAttribute("default") ? unescape(attribute.getAttribute("default")) : null,
                        bound(attribute, "min"), bound(attribute, "max"), attribute.getAttribute("name")));
            }
            return new SettingDefinitions(pid, definitions);
        } catch (IOException | ParserConfigurationException | SAXException unreadable) {
            throw new IllegalStateException("Metatype definition " + resource + " unreadable: " + unreadable,
                    unreadable);
        }
    }

    /** Metatype separates the values of a default with commas, so a comma within one is written {@code \\,}. */
    private static String unescape(String value) {
        return value.replaceAll("\\\\(.)", "$1");
    }

    private static Long bound(Element attribute, String name) {
        return attribute.hasAttribute(name) ? Long.valueOf(attribute.getAttribute(name)) : null;
    }

    /** @throws IllegalStateException for a key the definition does not declare (a programming error) */
    public Definition get(String key) {
        Definition definition = definitions.get(key);
        if (definition == null) {
            throw new IllegalStateException(pid + " declares no setting '" + key + "'");
        }
        return definition;
    }

    /** Whether {@code key} is declared. */
    public boolean declares(String key) {
        return definitions.containsKey(key);
    }

    public String pid() {
        return pid;
    }
}
