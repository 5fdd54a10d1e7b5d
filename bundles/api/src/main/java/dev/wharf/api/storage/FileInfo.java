package dev.wharf.api.storage;

import java.time.Instant;

/**
 * What one {@code stat} says about an entry.
 *
 * @param type     what the entry is
 * @param mode     permission bits ({@code 07777}); providers without modes give {@code 0755}/{@code 0644}
 * @param links    hard links
 * @param uid      owner
 * @param gid      group
 * @param size     bytes
 * @param modified last modification
 * @param uniqueId an identifier stable while the entry exists (MLSx {@code unique}), or {@code null}
 */
public record FileInfo(Type type, int mode, long links, int uid, int gid, long size, Instant modified,
                       String uniqueId) {

    /** The kinds of entries the core tells apart. */
    public enum Type { FILE, DIRECTORY, SYMLINK, OTHER }

    public boolean isFile() {
        return type == Type.FILE;
    }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    public boolean isSymbolicLink() {
        return type == Type.SYMLINK;
    }
}
