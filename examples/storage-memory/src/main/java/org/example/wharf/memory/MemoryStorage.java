package org.example.wharf.memory;

import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Space;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.WriteMode;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * One session's view of an account's {@link Volume}. Every operation runs under the volume's lock, so the
 * account's other sessions (each with a storage of its own) see a change whole and at once. Failures are the
 * {@code java.nio.file} exceptions the API names, with the reasons {@code strerror} would give: the core shows
 * them to the client.
 */
final class MemoryStorage implements Storage {

    private final Volume volume;
    private final Capacity capacity;
    private final Set<StorageCapability> capabilities;
    private final Identity identity;
    private final String key;
    private volatile boolean closed;

    MemoryStorage(Volume volume, Capacity capacity, Set<StorageCapability> capabilities, Identity identity,
                  String key) {
        this.volume = volume;
        this.capacity = capacity;
        this.capabilities = capabilities;
        this.identity = identity;
        this.key = key;
    }

    private void require(StorageCapability capability) {
        if (!capabilities.contains(capability)) {
            throw new UnsupportedOperationException("This memory storage is configured without " + capability);
        }
    }

    @Override
    public Set<StorageCapability> capabilities() {
        return capabilities;
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        synchronized (volume) {
            checkOpen();
            return volume.lookup(path).info(identity); // no links to follow
        }
    }

    @Override
    public FileInfo lstatIfExists(String path) throws IOException {
        synchronized (volume) {
            checkOpen();
            if (path.equals("/")) {
                return volume.lookup(path).info(identity);
            }
            Node entry = volume.parentDirectory(path).children.get(Volume.nameOf(path));
            return entry == null ? null : entry.info(identity);
        }
    }

    @Override
    public DirectoryListing list(String path) throws IOException {
        List<DirectoryEntry> entries = new ArrayList<>();
        synchronized (volume) {
            checkOpen();
            // a copy, so the lock is not held while the core sends the listing; a provider with huge
            // directories would page through them instead
            volume.directory(path).children.forEach((name, node) ->
                    entries.add(new DirectoryEntry(name, node.info(identity))));
        }
        return new Listing(entries);
    }

    private record Listing(List<DirectoryEntry> entries) implements DirectoryListing {
        @Override
        public Iterator<DirectoryEntry> iterator() {
            return entries.iterator();
        }

        @Override
        public void close() {
        }
    }

    @Override
    public ReadFile openRead(String path) throws IOException {
        synchronized (volume) {
            checkOpen();
            Node node = volume.lookup(path);
            if (node.isDirectory()) {
                throw new FileSystemException(path, null, "Is a directory");
            }
            // the file's current array: a later upload replaces it, so this download keeps what it opened
            return new ReadFile(MemoryChannel.reader(path, node.data(), node.size()), node.info(identity));
        }
    }

    /**
     * Writes in place (APPE, REST + STOR, the quota file). The writer works on a copy that becomes the file's
     * content when the channel is closed; if the file was deleted meanwhile, the bytes are dropped.
     */
    @Override
    public SeekableByteChannel openWrite(String path, WriteMode mode, long offset, int permissions)
            throws IOException {
        // what is not declared is not done (the core does not ask; another caller learns it here)
        if (mode == WriteMode.APPEND) {
            require(StorageCapability.APPEND);
        } else if (mode == WriteMode.AT_OFFSET) {
            require(StorageCapability.RESUME);
        }
        synchronized (volume) {
            checkOpen();
            Node directory = volume.parentDirectory(path);
            String name = Volume.nameOf(path);
            Node node = directory.children.get(name);
            if (node != null && node.isDirectory()) {
                throw new FileSystemException(path, null, "Is a directory");
            }
            if (node == null) {
                if (mode == WriteMode.AT_OFFSET) {
                    throw new NoSuchFileException(path);
                }
                node = Node.file(volume.newId());
                directory.children.put(name, node);
                directory.modified = Instant.now();
            }
            int kept = mode == WriteMode.AT_OFFSET ? (int) Math.clamp(offset, 0, node.size()) : node.size();
            capacity.reserve(kept, path); // the writer's copy is memory too
            Node file = node;
            MemoryChannel channel = MemoryChannel.writer(path, node.data(), kept, capacity,
                    (bytes, size) -> publish(file, bytes, size));
            switch (mode) {
                case APPEND -> channel.position(kept);
                case AT_OFFSET -> channel.position(offset);
                case UPDATE -> channel.position(0);
            }
            return channel;
        }
    }

    private void publish(Node file, byte[] bytes, int size) {
        synchronized (volume) {
            if (file.removed) {
                capacity.release(size);
            } else {
                capacity.release(file.size());
                file.replaceContent(bytes, size);
            }
        }
    }

    @Override
    public PendingUpload startUpload(String path, int permissions) throws IOException {
        synchronized (volume) {
            checkOpen();
            return new Upload(volume.parentDirectory(path), Volume.parentOf(path), path);
        }
    }

    /**
     * A new file in memory of its own until {@link #commit}, which puts it in the directory in one step: nobody
     * sees half an upload, and a failed or refused one leaves the old file.
     */
    private final class Upload implements PendingUpload {

        private final Node directory;
        private final String directoryPath;
        private final MemoryChannel channel;
        /** The channel's bytes once it is closed, until committed or discarded. */
        private byte[] data;
        private int size;
        private boolean done;

        Upload(Node directory, String directoryPath, String path) {
            this.directory = directory;
            this.directoryPath = directoryPath;
            this.channel = MemoryChannel.writer(path, new byte[0], 0, capacity, this::keep);
        }

        private synchronized void keep(byte[] bytes, int length) {
            data = bytes;
            size = length;
        }

        @Override
        public SeekableByteChannel channel() {
            return channel;
        }

        @Override
        public long size() {
            return channel.length();
        }

        /** May be called again after a refusal (the core tries other names for autorename). */
        @Override
        public void commit(String name, boolean replace) throws IOException {
            channel.close();
            String target = (directoryPath.equals("/") ? "" : directoryPath) + "/" + name;
            if (Volume.names(target).size() != Volume.names(directoryPath).size() + 1) {
                throw new AccessDeniedException(target, null, "Not a name");
            }
            synchronized (volume) {
                synchronized (this) {
                    if (done) {
                        throw new IOException("upload already committed or discarded");
                    }
                    if (directory.removed) {
                        throw new NoSuchFileException(directoryPath); // as for a directory removed on disk
                    }
                    Node existing = directory.children.get(name);
                    if (existing != null) {
                        if (!replace) {
                            throw new FileAlreadyExistsException(target);
                        }
                        if (existing.isDirectory()) {
                            throw new FileSystemException(target, null, "Is a directory");
                        }
                        detach(directory, name, existing);
                    }
                    Node file = Node.file(volume.newId());
                    file.replaceContent(data, size); // the room reserved while writing is now the file's
                    data = null;
                    done = true;
                    directory.children.put(name, file);
                    directory.modified = Instant.now();
                }
            }
        }

        @Override
        public Path localPath() {
            return null; // no file on the machine: upload hooks do not run for this storage
        }

        @Override
        public void close() {
            channel.close();
            synchronized (this) {
                if (!done) {
                    done = true;
                    capacity.release(size);
                    data = null;
                }
            }
        }
    }

    @Override
    public void mkdir(String path, int permissions) throws IOException {
        synchronized (volume) {
            checkOpen();
            Node directory = volume.parentDirectory(path);
            String name = Volume.nameOf(path);
            if (directory.children.containsKey(name)) {
                throw new FileAlreadyExistsException(path);
            }
            directory.children.put(name, Node.directory(volume.newId()));
            directory.modified = Instant.now();
        }
    }

    @Override
    public void rmdir(String path) throws IOException {
        synchronized (volume) {
            checkOpen();
            Node directory = volume.parentDirectory(path);
            Node node = existing(directory, path);
            if (!node.isDirectory()) {
                throw new NotDirectoryException(path);
            }
            if (!node.children.isEmpty()) {
                throw new DirectoryNotEmptyException(path);
            }
            detach(directory, Volume.nameOf(path), node);
        }
    }

    @Override
    public void delete(String path) throws IOException {
        synchronized (volume) {
            checkOpen();
            Node directory = volume.parentDirectory(path);
            Node node = existing(directory, path);
            if (node.isDirectory()) {
                throw new FileSystemException(path, null, "Is a directory");
            }
            detach(directory, Volume.nameOf(path), node);
        }
    }

    /** As rename(2): a directory may replace only an empty directory, a file only a file. */
    @Override
    public void rename(String from, String to, boolean replace) throws IOException {
        synchronized (volume) {
            checkOpen();
            Node fromDirectory = volume.parentDirectory(from);
            Node moved = existing(fromDirectory, from);
            Node toDirectory = volume.parentDirectory(to);
            if (from.equals(to)) {
                return;
            }
            if (moved.isDirectory() && to.startsWith(from + "/")) {
                throw new FileSystemException(from, to, "Invalid argument"); // into itself
            }
            String toName = Volume.nameOf(to);
            Node existing = toDirectory.children.get(toName);
            if (existing != null) {
                if (!replace) {
                    throw new FileAlreadyExistsException(to);
                }
                if (existing.isDirectory() && !moved.isDirectory()) {
                    throw new FileSystemException(to, null, "Is a directory");
                }
                if (!existing.isDirectory() && moved.isDirectory()) {
                    throw new NotDirectoryException(to);
                }
                if (existing.isDirectory() && !existing.children.isEmpty()) {
                    throw new DirectoryNotEmptyException(to);
                }
                detach(toDirectory, toName, existing);
            }
            fromDirectory.children.remove(Volume.nameOf(from));
            fromDirectory.modified = Instant.now();
            toDirectory.children.put(toName, moved);
            toDirectory.modified = Instant.now();
        }
    }

    private static Node existing(Node directory, String path) throws NoSuchFileException {
        Node node = directory.children.get(Volume.nameOf(path));
        if (node == null) {
            throw new NoSuchFileException(path);
        }
        return node;
    }

    /** Takes an entry out of its directory and gives its bytes back; writers still open on it find it removed. */
    private void detach(Node directory, String name, Node node) {
        directory.children.remove(name);
        directory.modified = Instant.now();
        node.removed = true;
        if (!node.isDirectory()) {
            capacity.release(node.size());
        }
    }

    /** Declared ({@code SET_TIMES}): MFMT and SITE UTIME. */
    @Override
    public void setModified(String path, Instant time) throws IOException {
        require(StorageCapability.SET_TIMES);
        synchronized (volume) {
            checkOpen();
            volume.lookup(path).modified = time;
        }
    }

    /** Not declared ({@code POSIX_PERMISSIONS}): the core answers SITE CHMOD with 504 and never calls this. */
    @Override
    public void chmod(String path, int mode) {
        throw new UnsupportedOperationException("The memory storage keeps no permissions");
    }

    /** Not declared ({@code SYMLINKS}): there are no links to read. */
    @Override
    public String readLink(String path) {
        throw new UnsupportedOperationException("The memory storage has no symbolic links");
    }

    @Override
    public Space space(String path) throws IOException {
        checkOpen();
        return new Space(capacity.max(), capacity.max() - capacity.used());
    }

    /** No owners or modes: an account may do anything within its own root. */
    @Override
    public boolean permits(FileInfo info, int access) {
        return true;
    }

    @Override
    public Identity identity() {
        return identity;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Path localPath(String path) {
        return null; // nothing on the machine's file system
    }

    /** Holds no descriptors or connections; channels still open stay usable. */
    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("storage closed");
        }
    }
}
