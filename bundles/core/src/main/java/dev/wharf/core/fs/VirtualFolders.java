package dev.wharf.core.fs;

import dev.wharf.api.auth.Account;
import dev.wharf.api.storage.StorageProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The storages an account's attributes ask for: its own ({@value #STORAGE}) and its virtual folders, each named
 * {@code folder.<n>.*} ({@code <n>} letters, digits, {@code -} or {@code _}):
 * <ul>
 *   <li>{@code folder.<n>.path}: where the folder appears (an absolute virtual path other than {@code /}); required
 *   <li>{@code folder.<n>.root}: the folder's root, as the provider reads an account's home (the local storage: a
 *       directory); required
 *   <li>{@code folder.<n>.storage}: the provider's {@code wharf.storage.name}; the account's own when absent
 *   <li>{@code folder.<n>.readonly}: {@code true} or {@code false} (default)
 *   <li>{@code folder.<n>.storage.<setting>}: given to the folder's provider as {@code storage.<setting>} (e.g.
 *       {@code folder.docs.storage.bucket}); the account's own {@code storage.*} settings are not inherited
 * </ul>
 */
public final class VirtualFolders {

    /** The attribute naming the provider of the account's own root. */
    public static final String STORAGE = StorageProvider.ACCOUNT_ATTRIBUTE;
    private static final String PREFIX = "folder.";
    private static final Pattern NAME = Pattern.compile("folder\\.([A-Za-z0-9_-]{1,64})\\.(.+)");
    private static final int MAX_FOLDERS = 64;

    /** One virtual folder, with the account its provider opens. */
    public record Folder(String name, String path, String storage, boolean readOnly, Account account) {

        /** The attribute prefix that defines this folder, for messages. */
        public String attribute(String setting) {
            return PREFIX + name + "." + setting;
        }
    }

    private VirtualFolders() {
    }

    /**
     * The account's folders, by name.
     *
     * @throws IllegalArgumentException naming the attribute that is wrong
     */
    public static List<Folder> of(Account account) {
        Map<String, Map<String, String>> byName = new TreeMap<>();
        for (Map.Entry<String, String> attribute : account.attributes().entrySet()) {
            if (!attribute.getKey().startsWith(PREFIX)) {
                continue;
            }
            Matcher matcher = NAME.matcher(attribute.getKey());
            if (!matcher.matches()) {
                throw new IllegalArgumentException("attribute " + attribute.getKey()
                        + ": expected folder.<name>.<setting> with a name of letters, digits, - or _");
            }
            byName.computeIfAbsent(matcher.group(1), ignored -> new HashMap<>())
                    .put(matcher.group(2), attribute.getValue());
        }
        if (byName.size() > MAX_FOLDERS) {
            throw new IllegalArgumentException("attributes folder.*: more than " + MAX_FOLDERS + " folders");
        }
        List<Folder> folders = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> folder : byName.entrySet()) {
            String name = folder.getKey();
            Map<String, String> settings = folder.getValue();
            String path = settings.get("path");
            String where = PREFIX + name + ".";
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("attribute " + where + "path: an absolute virtual path is "
                        + "required (e.g. /shared)");
            }
            String normal = ConfinedFileSystem.normalize("/", path);
            if (normal.equals("/") || !normal.equals(path.endsWith("/") ? path.substring(0, path.length() - 1)
                    : path)) {
                throw new IllegalArgumentException("attribute " + where + "path: '" + path
                        + "' must be a normalised path below / (no ., .. or empty segments)");
            }
            if (paths.contains(normal)) {
                throw new IllegalArgumentException("attribute " + where + "path: " + normal
                        + " is already the path of another folder");
            }
            paths.add(normal);
            String root = settings.get("root");
            if (root == null || !root.startsWith("/")) {
                throw new IllegalArgumentException("attribute " + where + "root: an absolute root is required");
            }
            String readOnly = settings.getOrDefault("readonly", "false").trim().toLowerCase(Locale.ROOT);
            if (!readOnly.equals("true") && !readOnly.equals("false")) {
                throw new IllegalArgumentException("attribute " + where + "readonly: true or false, not '"
                        + settings.get("readonly") + "'");
            }
            for (String setting : settings.keySet()) {
                if (!setting.equals("path") && !setting.equals("root") && !setting.equals("readonly")
                        && !setting.equals(STORAGE) && !setting.startsWith(STORAGE + ".")) {
                    throw new IllegalArgumentException("attribute " + where + setting
                            + ": unknown setting (path, root, storage, readonly, storage.*)");
                }
            }
            Map<String, String> attributes = new HashMap<>();
            for (Map.Entry<String, String> attribute : account.attributes().entrySet()) {
                String key = attribute.getKey();
                if (!key.startsWith(PREFIX) && !key.equals(STORAGE) && !key.startsWith(STORAGE + ".")) {
                    attributes.put(key, attribute.getValue());
                }
            }
            String storage = settings.getOrDefault(STORAGE, account.attribute(STORAGE, null));
            for (Map.Entry<String, String> setting : settings.entrySet()) {
                if (setting.getKey().startsWith(STORAGE + ".")) {
                    attributes.put(setting.getKey(), setting.getValue());
                }
            }
            if (storage != null) {
                attributes.put(STORAGE, storage);
            }
            Account mounted = new Account(account.name(), root, account.uid(), account.gid(), account.limits(),
                    account.groups(), attributes);
            folders.add(new Folder(name, normal, storage, readOnly.equals("true"), mounted));
        }
        return folders;
    }
}
