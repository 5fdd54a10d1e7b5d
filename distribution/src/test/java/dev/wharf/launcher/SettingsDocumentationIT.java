package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Each setting is declared once, as a Metatype definition in its bundle; this holds the rest to it. The README's
 * setting tables (between {@code <!-- settings: PID -->} and {@code <!-- /settings -->}) are exactly what the
 * definitions say, and every value a feature writes to {@code etc/} names a declared key and equals its declared
 * default, so a new server runs with the documented defaults. Run with {@code -Dwharf.readme.write=true} to rewrite
 * the README's tables from the definitions.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SettingsDocumentationIT {

    private static final Pattern SECTION = Pattern.compile(
            "(<!-- settings: ([a-z0-9.]+) -->\n)(.*?)(<!-- /settings -->)", Pattern.DOTALL);

    /** One attribute definition: key, default (null: none) and description. */
    record Setting(String key, String defaultValue, String description) {
    }

    private static Path home() {
        return Path.of(System.getProperty("wharf.directory", "target/wharf"));
    }

    private static Path readme() {
        return Path.of(System.getProperty("wharf.readme", "../README.md"));
    }

    /** Every Metatype definition in the distribution's Wharf bundles, by PID. */
    static Map<String, List<Setting>> definitions() throws Exception {
        Map<String, List<Setting>> byPid = new TreeMap<>();
        try (Stream<Path> jars = Files.walk(home().resolve("system/dev/wharf"))) {
            for (Path jar : jars.filter(path -> path.toString().endsWith(".jar")).toList()) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    var entries = file.stream().filter(entry -> entry.getName().startsWith("OSGI-INF/metatype/")
                            && entry.getName().endsWith(".xml")).toList();
                    for (var entry : entries) {
                        try (InputStream in = file.getInputStream(entry)) {
                            read(in, byPid);
                        }
                    }
                }
            }
        }
        return byPid;
    }

    private static void read(InputStream in, Map<String, List<Setting>> byPid) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        var document = factory.newDocumentBuilder().parse(in);
        // one definition may serve several PIDs (MySQL and PostgreSQL users share theirs)
        Map<String, List<String>> pidsOfOcd = new LinkedHashMap<>();
        NodeList designates = document.getElementsByTagName("Designate");
        for (int i = 0; i < designates.getLength(); i++) {
            Element designate = (Element) designates.item(i);
            String pid = designate.hasAttribute("factoryPid") ? designate.getAttribute("factoryPid")
                    : designate.getAttribute("pid");
            Element object = (Element) designate.getElementsByTagName("Object").item(0);
            pidsOfOcd.computeIfAbsent(object.getAttribute("ocdref"), ocd -> new ArrayList<>()).add(pid);
        }
        NodeList ocds = document.getElementsByTagName("OCD");
        for (int i = 0; i < ocds.getLength(); i++) {
            Element ocd = (Element) ocds.item(i);
            List<Setting> settings = new ArrayList<>();
            NodeList attributes = ocd.getElementsByTagName("AD");
            for (int j = 0; j < attributes.getLength(); j++) {
                Element attribute = (Element) attributes.item(j);
                settings.add(new Setting(attribute.getAttribute("id"), attribute.hasAttribute("default")
                        ? attribute.getAttribute("default").replaceAll("\\\\(.)", "$1") : null,
                        attribute.getAttribute("description")));
            }
            for (String pid : pidsOfOcd.getOrDefault(ocd.getAttribute("id"), List.of(ocd.getAttribute("id")))) {
                byPid.put(pid, settings);
            }
        }
    }

    /** The README table for one PID: key, default, meaning. */
    static String table(List<Setting> settings) {
        StringBuilder table = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (Setting setting : settings) {
            String fallback = setting.defaultValue() == null || setting.defaultValue().isEmpty() ? "(empty)"
                    : "`" + setting.defaultValue() + "`";
            table.append("| `").append(setting.key()).append("` | ").append(fallback).append(" | ")
                    .append(setting.description().replace("|", "\\|")).append(" |\n");
        }
        return table.toString();
    }

    @Test
    void theReadmesSettingTablesAreTheDefinitions() throws Exception {
        Map<String, List<Setting>> definitions = definitions();
        assertTrue(definitions.containsKey("dev.wharf.listener"), "definitions found: " + definitions.keySet());
        String text = Files.readString(readme(), StandardCharsets.UTF_8);
        Matcher sections = SECTION.matcher(text);
        StringBuilder expected = new StringBuilder();
        List<String> documented = new ArrayList<>();
        while (sections.find()) {
            String pid = sections.group(2);
            assertTrue(definitions.containsKey(pid), "README documents " + pid + ", which no bundle declares");
            documented.add(pid);
            sections.appendReplacement(expected, Matcher.quoteReplacement(sections.group(1)
                    + table(definitions.get(pid)) + sections.group(4)));
        }
        sections.appendTail(expected);
        assertFalse(documented.isEmpty(), "the README has settings tables");
        if (!expected.toString().equals(text)) {
            if (Boolean.getBoolean("wharf.readme.write")) {
                Files.writeString(readme(), expected.toString(), StandardCharsets.UTF_8);
            } else {
                Path proposal = Path.of("target/README.expected.md");
                Files.writeString(proposal, expected.toString(), StandardCharsets.UTF_8);
                assertEquals(text, expected.toString(), "the README's settings tables differ from the Metatype "
                        + "definitions; " + proposal + " has them as they should be (or run with "
                        + "-Dwharf.readme.write=true)");
            }
        }
        List<String> undocumented = new ArrayList<>(definitions.keySet());
        undocumented.removeAll(documented);
        assertEquals(List.of(), undocumented, "settings without a README table");
    }

    @Test
    void featuresWriteOnlyDeclaredKeysWithTheirDeclaredDefaults() throws Exception {
        Map<String, List<Setting>> definitions = definitions();
        Path system = home().resolve("system");
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(system.resolve("features"))) {
            for (Path json : files.filter(path -> path.toString().endsWith(".json")).sorted().toList()) {
                String name = json.getFileName().toString().replace(".json", "");
                FeatureDescriptor feature = FeatureDescriptor.read(name, json);
                for (var configuration : feature.configurations().entrySet()) {
                    String pid = configuration.getKey().replaceFirst("~.*", "");
                    if (!pid.startsWith("dev.wharf.")) {
                        continue; // a third-party bundle's (Felix HTTP) settings: it declares its own
                    }
                    List<Setting> declared = definitions.get(pid);
                    if (declared == null) {
                        problems.add(name + ": " + pid + " has no Metatype definition");
                        continue;
                    }
                    configuration.getValue().forEach((key, value) -> {
                        Setting setting = declared.stream().filter(s -> s.key().equals(key)).findFirst()
                                .orElse(null);
                        if (setting == null) {
                            problems.add(name + ": " + pid + " declares no key " + key);
                        } else if (!value.equals(setting.defaultValue() == null ? "" : setting.defaultValue())) {
                            problems.add(name + ": " + pid + " " + key + " = " + value + ", declared default "
                                    + setting.defaultValue());
                        }
                    });
                }
            }
        }
        assertEquals(List.of(), problems);
    }
}
