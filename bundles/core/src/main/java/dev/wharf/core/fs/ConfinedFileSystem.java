package dev.wharf.core.fs;

import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.FileNames;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A session's view of its storage: virtual paths ({@code /a/b}) and the current directory. Paths are normalised
 * here ({@code ..} never climbs above {@code /}, as in a chroot); everything else, confinement included, is the
 * {@link Storage}'s: the core never opens a file by name itself.
 */
public final class ConfinedFileSystem implements AutoCloseable {

    private final Storage storage;
    private final String home;
    private String currentDirectory;
    /** Directory aliases offered to this session: alias name to virtual path ({@link DirectoryAliases}). */
    private Map<String, String> aliases = Map.of();

    /**
     * @param storage the session's storage (closed with this)
     * @param home    the virtual start directory, e.g. {@code /} or {@code /joe}
     */
    public ConfinedFileSystem(Storage storage, String home) {
        this.storage = storage;
        this.home = normalize("/", home);
        this.currentDirectory = this.home;
    }

    public Storage storage() {
        return storage;
    }

    /** Whether the storage that serves {@code virtualPath} (a virtual folder's, else the account's) can do it. */
    public boolean can(String virtualPath, StorageCapability capability) {
        return storage instanceof MountedStorage mounted ? mounted.capabilitiesAt(virtualPath).contains(capability)
                : storage.can(capability);
    }

    public String currentDirectory() {
        return currentDirectory;
    }

    public String home() {
        return home;
    }

    public Map<String, String> aliases() {
        return aliases;
    }

    /** @param aliases unmodifiable, in the order SITE ALIAS lists them */
    public void useAliases(Map<String, String> aliases) {
        this.aliases = aliases;
    }

    /** Moves to {@code virtualPath} if it is a directory inside the root. */
    public void changeDirectory(String virtualPath) throws IOException {
        FileInfo target = storage.stat(virtualPath);
        if (!target.isDirectory()) {
            throw new NotDirectoryException(virtualPath);
        }
        currentDirectory = virtualPath;
    }

    /**
     * Turns a client argument into a normalised absolute virtual path, relative to the current directory.
     *
     * @throws PathRefusedException for backslashes or control characters
     */
    public String virtualPath(String argument) throws PathRefusedException {
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                throw new PathRefusedException("Control characters are not allowed in names");
            }
            if (c == '\\') {
                throw new PathRefusedException("Backslashes are not allowed in names");
            }
        }
        String path = normalize(currentDirectory, argument);
        if (path.contains("/" + FileNames.PARTIAL_UPLOAD_PREFIX)) {
            throw new PathRefusedException("Names starting with " + FileNames.PARTIAL_UPLOAD_PREFIX
                    + " are reserved for partial uploads");
        }
        return path;
    }

    /** Whether {@code name} is the hidden name of a kept partial upload (never listed, never named by clients). */
    public static boolean isPartialName(String name) {
        return name.startsWith(FileNames.PARTIAL_UPLOAD_PREFIX);
    }

    /** Where a cut upload to {@code virtualPath} is kept: {@code .wharf-partial.<name>} in the same directory. */
    public static String partialOf(String virtualPath) {
        return child(parentOf(virtualPath), FileNames.PARTIAL_UPLOAD_PREFIX + nameOf(virtualPath));
    }

    /**
     * The entry's name on the machine's own file system for events, logs and hooks (never for access), or the
     * virtual path itself when the storage has none.
     */
    public Path localPath(String virtualPath) {
        try {
            Path local = storage.localPath(virtualPath);
            return local != null ? local : Path.of(virtualPath);
        } catch (InvalidPathException unspellable) {
            // a name the JVM cannot spell (bytes that are not UTF-8, or a locale without them): shown, not used
            StringBuilder shown = new StringBuilder(virtualPath.length());
            virtualPath.codePoints().forEach(c -> shown.appendCodePoint(c < 0x20 || c > 0x7E ? '?' : c));
            Path local = storage.localPath("/");
            return local != null ? local.resolve(shown.substring(1)) : Path.of(shown.toString());
        }
    }

    /**
     * Whether the entry has a name on the machine's own file system (a local storage): upload hooks, which run
     * programs on that name, hear only of those. A storage without one (object storage) gives none, and the
     * virtual path {@link #localPath} falls back to must never be taken for a real file.
     */
    public boolean hasLocalPath(String virtualPath) {
        try {
            return storage.localPath(virtualPath) != null;
        } catch (InvalidPathException unspellable) {
            return storage.localPath("/") != null;
        }
    }

    /** Releases the storage (the session's root descriptor). */
    @Override
    public void close() {
        try {
            storage.close();
        } catch (IOException ignored) {
            // nothing depends on it any more
        }
    }

    public static String parentOf(String virtualPath) {
        int slash = virtualPath.lastIndexOf('/');
        return slash <= 0 ? "/" : virtualPath.substring(0, slash);
    }

    public static String nameOf(String virtualPath) {
        return virtualPath.substring(virtualPath.lastIndexOf('/') + 1);
    }

    /** {@code directory} + {@code /name}. */
    public static String child(String directory, String name) {
        return directory.equals("/") ? "/" + name : directory + "/" + name;
    }

    /** Resolves {@code argument} against {@code base}: {@code .} and empty segments drop, {@code ..} stops at root. */
    static String normalize(String base, String argument) {
        List<String> segments = new ArrayList<>();
        if (!argument.startsWith("/")) {
            addSegments(segments, base);
        }
        addSegments(segments, argument);
        if (segments.isEmpty()) {
            return "/";
        }
        StringBuilder path = new StringBuilder(64);
        for (String segment : segments) {
            path.append('/').append(segment);
        }
        return path.toString();
    }

    private static void addSegments(List<String> segments, String path) {
        int start = 0;
        int length = path.length();
        while (start <= length) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? length : slash;
            String segment = path.substring(start, end);
            if (segment.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
            start = end + 1;
        }
    }
}
