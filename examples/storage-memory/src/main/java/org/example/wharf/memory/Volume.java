package org.example.wharf.memory;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;

/**
 * One account's tree, shared by all its sessions. Every method expects the caller to hold the volume's lock
 * ({@code synchronized (volume)}), except {@link #makeDirectories}, which takes it.
 *
 * <p>Confinement is by construction: a path is walked name by name from this volume's root, and a name that is
 * not a plain name ({@code ..}, {@code .}, empty) is refused, so no path reaches another account's files.
 */
final class Volume {

    private final Node root;
    private long nextId;

    Volume() {
        root = Node.directory(newId());
    }

    long newId() {
        return nextId++;
    }

    /** The entry at {@code path}: {@link NoSuchFileException}, or {@link NotDirectoryException} for a file on the way. */
    Node lookup(String path) throws AccessDeniedException, NoSuchFileException, NotDirectoryException {
        Node node = root;
        for (String name : names(path)) {
            if (!node.isDirectory()) {
                throw new NotDirectoryException(path);
            }
            node = node.children.get(name);
            if (node == null) {
                throw new NoSuchFileException(path);
            }
        }
        return node;
    }

    /** The directory at {@code path}. */
    Node directory(String path) throws AccessDeniedException, NoSuchFileException, NotDirectoryException {
        Node node = lookup(path);
        if (!node.isDirectory()) {
            throw new NotDirectoryException(path);
        }
        return node;
    }

    /** The directory {@code path} is in; the root has none. */
    Node parentDirectory(String path) throws AccessDeniedException, NoSuchFileException, NotDirectoryException {
        if (names(path).isEmpty()) {
            throw new AccessDeniedException(path, null, "The root directory has no parent");
        }
        return directory(parentOf(path));
    }

    /** Makes the directories of {@code path} that are missing (a file in the way is left alone). */
    synchronized void makeDirectories(String path) throws AccessDeniedException {
        Node node = root;
        for (String name : names(path)) {
            Node child = node.children.get(name);
            if (child == null) {
                child = Node.directory(newId());
                node.children.put(name, child);
            } else if (!child.isDirectory()) {
                return; // the core falls back to "/" when the start directory cannot be entered
            }
            node = child;
        }
    }

    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** The names of a normalised virtual path ({@code /} has none); anything else is refused. */
    static List<String> names(String path) throws AccessDeniedException {
        if (path.equals("/")) {
            return List.of();
        }
        List<String> names = path.startsWith("/") ? List.of(path.substring(1).split("/", -1)) : List.of("");
        for (String name : names) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                throw new AccessDeniedException(path, null, "Not a path below the root");
            }
        }
        return names;
    }
}
