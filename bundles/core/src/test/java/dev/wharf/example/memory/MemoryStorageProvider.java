package dev.wharf.example.memory;

import dev.wharf.api.auth.Account;
import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Space;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageProvider;
import dev.wharf.api.storage.WriteMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
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
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A storage provider as a third party would write it: it uses nothing but the {@code dev.wharf.api} packages and the
 * JDK (a test checks its imports), keeps each account's files in memory, and declares only the capabilities it is
 * given (by default none: no append, resume, modes, times or links). Files are kept per account root.
 */
public final class MemoryStorageProvider implements StorageProvider {

    private final Set<StorageCapability> capabilities;
    private final Map<String, Map<String, Node>> trees = new HashMap<>();

    public MemoryStorageProvider(StorageCapability... capabilities) {
        this.capabilities = capabilities.length == 0 ? Set.of() : Set.copyOf(EnumSet.copyOf(Arrays.asList(capabilities)));
    }

    /** One entry: a directory ({@code data == null}) or a file. */
    private static final class Node {
        byte[] data;
        Instant modified = Instant.now();
        final long id;

        Node(byte[] data, long id) {
            this.data = data;
            this.id = id;
        }
    }

    private long nextId;

    /** The bytes of the file at {@code path} below {@code root}, or {@code null}, for tests to compare. */
    public synchronized byte[] content(String root, String path) {
        Map<String, Node> tree = trees.get(root);
        Node node = tree == null ? null : tree.get(path);
        return node == null || node.data == null ? null : node.data.clone();
    }

    @Override
    public synchronized Storage open(Account account, Identity identity) throws IOException {
        String root = account.rootDirectory();
        Map<String, Node> tree = trees.computeIfAbsent(root, ignored -> {
            Map<String, Node> fresh = new HashMap<>();
            fresh.put("/", new Node(null, nextId++));
            return fresh;
        });
        return new MemoryStorage(tree, root, identity);
    }

    private final class MemoryStorage implements Storage {

        private final Map<String, Node> tree;
        private final String root;
        private final Identity identity;

        MemoryStorage(Map<String, Node> tree, String root, Identity identity) {
            this.tree = tree;
            this.root = root;
            this.identity = identity;
        }

        @Override
        public Set<StorageCapability> capabilities() {
            return capabilities;
        }

        private FileInfo info(Node node) {
            boolean directory = node.data == null;
            return new FileInfo(directory ? FileInfo.Type.DIRECTORY : FileInfo.Type.FILE, directory ? 0755 : 0644,
                    1, identity.uid(), identity.gid(), directory ? 0 : node.data.length, node.modified,
                    Long.toString(node.id));
        }

        private Node node(String path) throws NoSuchFileException {
            Node node = tree.get(path);
            if (node == null) {
                throw new NoSuchFileException(path);
            }
            return node;
        }

        private Node directory(String path) throws IOException {
            Node node = node(path);
            if (node.data != null) {
                throw new NotDirectoryException(path);
            }
            return node;
        }

        private String parent(String path) {
            int slash = path.lastIndexOf('/');
            return slash <= 0 ? "/" : path.substring(0, slash);
        }

        @Override
        public FileInfo stat(String path) throws IOException {
            synchronized (MemoryStorageProvider.this) {
                return info(node(path));
            }
        }

        @Override
        public FileInfo lstatIfExists(String path) throws IOException {
            synchronized (MemoryStorageProvider.this) {
                if (!path.equals("/")) {
                    directory(parent(path));
                }
                Node node = tree.get(path);
                return node == null ? null : info(node);
            }
        }

        @Override
        public DirectoryListing list(String path) throws IOException {
            List<DirectoryEntry> entries = new ArrayList<>();
            synchronized (MemoryStorageProvider.this) {
                directory(path);
                String prefix = path.equals("/") ? "/" : path + "/";
                tree.forEach((name, node) -> {
                    if (name.startsWith(prefix) && name.length() > prefix.length()
                            && name.indexOf('/', prefix.length()) < 0) {
                        entries.add(new DirectoryEntry(name.substring(prefix.length()), info(node)));
                    }
                });
            }
            return new DirectoryListing() {
                @Override
                public java.util.Iterator<DirectoryEntry> iterator() {
                    return entries.iterator();
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public ReadFile openRead(String path) throws IOException {
            synchronized (MemoryStorageProvider.this) {
                Node node = node(path);
                if (node.data == null) {
                    throw new FileSystemException(path, null, "Is a directory");
                }
                return new ReadFile(new MemoryChannel(node.data.clone(), null), info(node));
            }
        }

        @Override
        public SeekableByteChannel openWrite(String path, WriteMode mode, long offset, int permissions)
                throws IOException {
            if ((mode == WriteMode.APPEND && !capabilities.contains(StorageCapability.APPEND))
                    || (mode == WriteMode.AT_OFFSET && !capabilities.contains(StorageCapability.RESUME))) {
                throw new UnsupportedOperationException(mode + " is not supported by the memory storage");
            }
            synchronized (MemoryStorageProvider.this) {
                directory(parent(path));
                Node node = tree.get(path);
                if (node != null && node.data == null) {
                    throw new FileSystemException(path, null, "Is a directory");
                }
                if (node == null && mode == WriteMode.AT_OFFSET) {
                    throw new NoSuchFileException(path);
                }
                byte[] start = node == null ? new byte[0] : mode == WriteMode.AT_OFFSET
                        ? Arrays.copyOf(node.data, (int) Math.min(offset, node.data.length)) : node.data.clone();
                MemoryChannel channel = new MemoryChannel(start, bytes -> store(path, bytes));
                if (mode != WriteMode.UPDATE) {
                    channel.position(start.length);
                }
                return channel;
            }
        }

        private void store(String path, byte[] bytes) {
            synchronized (MemoryStorageProvider.this) {
                Node node = tree.get(path);
                if (node == null) {
                    tree.put(path, new Node(bytes, nextId++));
                } else {
                    node.data = bytes;
                    node.modified = Instant.now();
                }
            }
        }

        @Override
        public PendingUpload startUpload(String path, int permissions) throws IOException {
            String directory = parent(path);
            synchronized (MemoryStorageProvider.this) {
                directory(directory);
            }
            MemoryChannel channel = new MemoryChannel(new byte[0], null);
            return new PendingUpload() {
                @Override
                public SeekableByteChannel channel() {
                    return channel;
                }

                @Override
                public long size() {
                    return channel.length;
                }

                @Override
                public void commit(String name, boolean replace) throws IOException {
                    String target = directory.equals("/") ? "/" + name : directory + "/" + name;
                    synchronized (MemoryStorageProvider.this) {
                        Node existing = tree.get(target);
                        if (existing != null && (!replace || existing.data == null)) {
                            throw new FileAlreadyExistsException(target);
                        }
                        tree.put(target, new Node(Arrays.copyOf(channel.data, channel.length), nextId++));
                    }
                    channel.close();
                }

                @Override
                public Path localPath() {
                    return null;
                }

                @Override
                public void close() {
                    channel.close();
                }
            };
        }

        @Override
        public void mkdir(String path, int permissions) throws IOException {
            synchronized (MemoryStorageProvider.this) {
                directory(parent(path));
                if (tree.containsKey(path)) {
                    throw new FileAlreadyExistsException(path);
                }
                tree.put(path, new Node(null, nextId++));
            }
        }

        @Override
        public void rmdir(String path) throws IOException {
            synchronized (MemoryStorageProvider.this) {
                directory(path);
                if (path.equals("/")) {
                    throw new AccessDeniedException(path);
                }
                for (String name : tree.keySet()) {
                    if (name.startsWith(path + "/")) {
                        throw new DirectoryNotEmptyException(path);
                    }
                }
                tree.remove(path);
            }
        }

        @Override
        public void delete(String path) throws IOException {
            synchronized (MemoryStorageProvider.this) {
                if (node(path).data == null) {
                    throw new FileSystemException(path, null, "Is a directory");
                }
                tree.remove(path);
            }
        }

        @Override
        public void rename(String from, String to, boolean replace) throws IOException {
            synchronized (MemoryStorageProvider.this) {
                Node moved = node(from);
                directory(parent(to));
                Node existing = tree.get(to);
                if (existing != null && (!replace || existing.data == null || moved.data == null)) {
                    throw new FileAlreadyExistsException(to);
                }
                Map<String, Node> below = new HashMap<>();
                tree.keySet().removeIf(name -> {
                    if (name.startsWith(from + "/")) {
                        below.put(to + name.substring(from.length()), tree.get(name));
                        return true;
                    }
                    return false;
                });
                tree.remove(from);
                tree.put(to, moved);
                tree.putAll(below);
            }
        }

        @Override
        public void setModified(String path, Instant time) {
            throw new UnsupportedOperationException("no times");
        }

        @Override
        public void chmod(String path, int mode) {
            throw new UnsupportedOperationException("no modes");
        }

        @Override
        public String readLink(String path) {
            throw new UnsupportedOperationException("no links");
        }

        @Override
        public Space space(String path) {
            return new Space(0, Long.MAX_VALUE);
        }

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
            return "memory:" + root;
        }

        @Override
        public Path localPath(String path) {
            return null;
        }

        @Override
        public void close() {
        }
    }

    /** Bytes in an array, growing as written; {@code onClose} receives them when the channel is closed. */
    private static final class MemoryChannel implements SeekableByteChannel {

        private byte[] data;
        private int length;
        private long position;
        private boolean open = true;
        private final java.util.function.Consumer<byte[]> onClose;

        MemoryChannel(byte[] data, java.util.function.Consumer<byte[]> onClose) {
            this.data = data;
            this.length = data.length;
            this.onClose = onClose;
        }

        @Override
        public synchronized int read(ByteBuffer target) throws IOException {
            ensureOpen();
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(target.remaining(), length - position);
            target.put(data, (int) position, n);
            position += n;
            return n;
        }

        @Override
        public synchronized int write(ByteBuffer source) throws IOException {
            ensureOpen();
            int n = source.remaining();
            long end = position + n;
            if (end > Integer.MAX_VALUE - 8) {
                throw new IOException("File too large for the memory storage");
            }
            if (end > data.length) {
                data = Arrays.copyOf(data, (int) Math.max(end, Math.min(Integer.MAX_VALUE - 8, data.length * 2L)));
            }
            source.get(data, (int) position, n);
            position = end;
            length = (int) Math.max(length, end);
            return n;
        }

        @Override
        public synchronized long position() {
            return position;
        }

        @Override
        public synchronized SeekableByteChannel position(long newPosition) {
            position = newPosition;
            return this;
        }

        @Override
        public synchronized long size() {
            return length;
        }

        @Override
        public synchronized SeekableByteChannel truncate(long size) {
            length = (int) Math.min(length, size);
            position = Math.min(position, size);
            return this;
        }

        @Override
        public synchronized boolean isOpen() {
            return open;
        }

        @Override
        public synchronized void close() {
            if (open) {
                open = false;
                if (onClose != null) {
                    onClose.accept(Arrays.copyOf(data, length));
                }
            }
        }

        private void ensureOpen() throws ClosedChannelException {
            if (!open) {
                throw new ClosedChannelException();
            }
        }
    }
}
