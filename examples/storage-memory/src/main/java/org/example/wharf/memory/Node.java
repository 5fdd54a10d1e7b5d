package org.example.wharf.memory;

import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Identity;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of a {@link Volume}: a directory (with {@link #children}) or a file (with {@link #data}). Guarded by
 * the volume's lock. A file's array is never written once it is the file's content: writers fill arrays of their
 * own and {@link #replaceContent swap} them in, so a reader keeps the bytes it opened.
 */
final class Node {

    /** Entries by name (sorted, so listings are); {@code null} for a file. */
    final Map<String, Node> children;
    final long id;
    Instant modified = Instant.now();
    /** Taken out of its volume (deleted, or replaced by a rename): what is still written to it is discarded. */
    boolean removed;
    private byte[] data;
    private int size;

    private Node(long id, boolean directory) {
        this.id = id;
        this.children = directory ? new TreeMap<>() : null;
        this.data = directory ? null : new byte[0];
    }

    static Node directory(long id) {
        return new Node(id, true);
    }

    static Node file(long id) {
        return new Node(id, false);
    }

    boolean isDirectory() {
        return children != null;
    }

    /** The file's bytes are {@code data()[0..size())}; the array must not be written. */
    byte[] data() {
        return data;
    }

    int size() {
        return size;
    }

    /** Makes {@code bytes[0..length)} the file's content (the array is the node's from now on). */
    void replaceContent(byte[] bytes, int length) {
        data = bytes;
        size = length;
        modified = Instant.now();
    }

    /**
     * What the core needs of an entry. There are no modes or owners (no {@code POSIX_PERMISSIONS}): the defaults
     * the API asks for, and the entry shown as the session's own.
     */
    FileInfo info(Identity identity) {
        boolean directory = isDirectory();
        return new FileInfo(directory ? FileInfo.Type.DIRECTORY : FileInfo.Type.FILE, directory ? 0755 : 0644,
                directory ? 2 : 1, identity.uid(), identity.gid(), directory ? 0 : size, modified,
                Long.toString(id));
    }
}
