package dev.wharf.core.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's view of its storage: virtual paths ({@code /a/b}) inside one root directory, and the current
 * directory. Confinement is done here, in code, on normalised paths: {@code ..} never climbs above {@code /}
 * (as in a chroot), and a path whose real location (symlinks resolved) is outside the root is refused.
 */
public final class ConfinedFileSystem {

    private final Path root;
    private final String home;
    private String currentDirectory;

    /**
     * @param root the real, absolute root directory (symlinks already resolved)
     * @param home the virtual start directory, e.g. {@code /} or {@code /joe}
     */
    public ConfinedFileSystem(Path root, String home) {
        this.root = root;
        this.home = normalize("/", home);
        this.currentDirectory = this.home;
    }

    public String currentDirectory() {
        return currentDirectory;
    }

    public String home() {
        return home;
    }

    public Path root() {
        return root;
    }

    /** Moves to {@code virtualPath} if it is a directory inside the root. */
    public void changeDirectory(String virtualPath) throws IOException {
        Path target = resolveExisting(virtualPath, true);
        if (!Files.isDirectory(target)) {
            throw new NoSuchFileException(virtualPath, null, "Not a directory");
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
        return normalize(currentDirectory, argument);
    }

    /** The real path for a normalised virtual path, without checking symlinks. */
    public Path toReal(String virtualPath) {
        return virtualPath.equals("/") ? root : root.resolve(virtualPath.substring(1));
    }

    /**
     * Resolves a virtual path that must exist and stay inside the root once symlinks are followed.
     *
     * @param followLast whether a symlink as the last component is followed (RETR, CWD) or taken as itself
     *                   (DELE, RNFR)
     */
    public Path resolveExisting(String virtualPath, boolean followLast) throws IOException {
        Path path = toReal(virtualPath);
        if (path.equals(root)) {
            return path;
        }
        if (walkWithoutLinks(path, virtualPath, followLast) == null) {
            requireInsideRoot(followLast ? path : path.getParent(), virtualPath);
        }
        return path;
    }

    /** An existing entry and its attributes (of what a final symbolic link points to). */
    public record Existing(Path path, BasicFileAttributes attributes) {
    }

    /**
     * As {@link #resolveExisting} with the last link followed, together with the entry's attributes: the walk has
     * read them already, so a download costs no second {@code stat} of the same path.
     */
    public Existing resolveExistingFollowed(String virtualPath) throws IOException {
        Path path = toReal(virtualPath);
        BasicFileAttributes attributes = path.equals(root) ? null : walkWithoutLinks(path, virtualPath, true);
        if (attributes == null) {
            if (!path.equals(root)) {
                requireInsideRoot(path, virtualPath);
            }
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        }
        return new Existing(path, attributes);
    }

    /**
     * Looks at each component below the root without following links (one lstat each, where resolving the real
     * path would read every component from {@code /}). Returns the last component's attributes when none of them
     * is a symbolic link, so the path is inside the root as it stands; {@code null} when one is and the real path
     * must be checked. A symlink as the last component does not count when it is taken as itself
     * ({@code followLast} false).
     *
     * @throws NoSuchFileException when a component does not exist
     */
    private BasicFileAttributes walkWithoutLinks(Path path, String virtualPath, boolean followLast)
            throws IOException {
        Path current = root;
        Path relative = root.relativize(path);
        int last = relative.getNameCount() - 1;
        BasicFileAttributes attributes = null;
        for (int i = 0; i <= last; i++) {
            current = current.resolve(relative.getName(i));
            try {
                attributes = Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException missing) {
                throw new NoSuchFileException(virtualPath, null, "No such file or directory");
            }
            if (attributes.isSymbolicLink() && (i < last || followLast)) {
                return null;
            }
        }
        return attributes;
    }

    /** Resolves a path to be created: its parent must exist inside the root; the name itself must not be a link. */
    public Path resolveNew(String virtualPath) throws IOException {
        return resolveForWrite(virtualPath, false).path();
    }

    /** Where a write goes and what is there now: {@code existing} is null when the name is free. */
    public record WriteTarget(Path path, BasicFileAttributes existing) {
    }

    /**
     * As {@link #resolveNew}, with the attributes of what the name holds now. With {@code replacedByRename} the
     * data goes to a temporary file renamed over the name at the end: a dangling symbolic link there is then
     * replaced, never written through, so a free name is told by one {@code stat} that, unlike {@code lstat} in
     * the JDK, costs no exception. Uploads of new files are the common case.
     */
    public WriteTarget resolveForWrite(String virtualPath, boolean replacedByRename) throws IOException {
        if (virtualPath.equals("/")) {
            throw new PathRefusedException("The root directory cannot be replaced");
        }
        Path path = toReal(virtualPath);
        Path parent = path.getParent();
        if (!parent.equals(root)) {
            BasicFileAttributes last = walkWithoutLinks(parent, parentOf(virtualPath), true);
            if (last == null) {
                requireInsideRoot(parent, virtualPath);
            }
            if (last == null ? !Files.isDirectory(parent) : !last.isDirectory()) {
                throw new NoSuchFileException(parentOf(virtualPath), null, "No such file or directory");
            }
        }
        boolean free = replacedByRename && path.getFileSystem().provider()
                .readAttributesIfExists(path, BasicFileAttributes.class) == null;
        BasicFileAttributes existing = free ? null : entryIfExists(path);
        if (existing != null && existing.isSymbolicLink()) {
            throw new PathRefusedException("Refusing to write through a symbolic link");
        }
        return new WriteTarget(path, existing);
    }

    /** The attributes of {@code path} itself (links not followed), or {@code null} when there is nothing. */
    private static BasicFileAttributes entryIfExists(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return null;
        }
    }

    private void requireInsideRoot(Path path, String virtualPath) throws IOException {
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException dangling) {
            throw new NoSuchFileException(virtualPath, null, "No such file or directory");
        }
        if (!real.startsWith(root)) {
            throw new PathRefusedException("Path leads outside your root: " + virtualPath);
        }
    }

    /** The virtual path for a real path inside the root. */
    public String virtualPathOf(Path real) {
        Path relative = root.relativize(real);
        return relative.toString().isEmpty() ? "/" : "/" + relative.toString().replace(real.getFileSystem()
                .getSeparator(), "/");
    }

    static String parentOf(String virtualPath) {
        int slash = virtualPath.lastIndexOf('/');
        return slash <= 0 ? "/" : virtualPath.substring(0, slash);
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
