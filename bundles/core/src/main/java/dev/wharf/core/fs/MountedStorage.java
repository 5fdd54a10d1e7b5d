package dev.wharf.core.fs;

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
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An account's root storage with virtual folders mounted on it: each virtual path goes to the storage of the
 * deepest folder that contains it (else the root), with the folder's path cut off, so each storage confines its own
 * part. A folder's mount point shows in its parent's listing as a directory; parents that exist in no storage
 * appear as read-only directories. Mount points cannot be removed or renamed, a rename between two storages is
 * refused (a copy would not be atomic), and a read-only folder refuses every change.
 *
 * <p>Entries' {@link FileInfo#uniqueId()} are tagged with the storage they came from ({@code <index>:...}), so that
 * {@link #permits} asks the storage that made them and ids stay unique across storages.
 */
public final class MountedStorage implements Storage {

    /** A storage mounted at {@code path} (never {@code /}). */
    public record Mount(String path, Storage storage, boolean readOnly, String description) {
    }

    private record Route(int index, Storage storage, String inner, boolean readOnly) {
    }

    private static final String VIRTUAL_ID = "v:";

    private final Storage root;
    /** Deepest first, so that the first match is the folder a path belongs to. */
    private final List<Mount> mounts;
    private final Instant created = Instant.now();

    /** @param root the account's own storage; closed with this, as are the mounts' */
    public MountedStorage(Storage root, List<Mount> mounts) {
        this.root = root;
        this.mounts = mounts.stream().sorted(Comparator.comparingInt((Mount mount) -> mount.path().length())
                .reversed()).toList();
    }

    private Route route(String path) {
        for (int i = 0; i < mounts.size(); i++) {
            Mount mount = mounts.get(i);
            if (path.equals(mount.path())) {
                return new Route(i + 1, mount.storage(), "/", mount.readOnly());
            }
            if (path.startsWith(mount.path()) && path.charAt(mount.path().length()) == '/') {
                return new Route(i + 1, mount.storage(), path.substring(mount.path().length()), mount.readOnly());
            }
        }
        return new Route(0, root, path, false);
    }

    private Storage storageOf(int index) {
        return index == 0 ? root : mounts.get(index - 1).storage();
    }

    private boolean isMountPoint(String path) {
        for (Mount mount : mounts) {
            if (mount.path().equals(path)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a folder is mounted strictly below {@code path}. */
    private boolean holdsMount(String path) {
        String prefix = path.equals("/") ? "/" : path + "/";
        for (Mount mount : mounts) {
            if (mount.path().startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code path} is in a read-only folder (the quota does not count those). */
    public boolean readOnlyAt(String path) {
        return route(path).readOnly();
    }

    /** Whether {@code path} is a folder's mount point or a directory leading to one (not the account's files). */
    public boolean structural(String path) {
        return isMountPoint(path) || holdsMount(path);
    }

    /** What the storage serving {@code path} supports (FEAT shows the root's: {@link #capabilities()}). */
    public Set<StorageCapability> capabilitiesAt(String path) {
        return route(path).storage().capabilities();
    }

    /** {@code <index>:i<id>}, or {@code <index>:p<path>} for a storage without ids (unique while the name is). */
    private static FileInfo tag(FileInfo info, int index, String path) {
        if (info == null) {
            return null;
        }
        String id = index + (info.uniqueId() == null ? ":p" + path : ":i" + info.uniqueId());
        return new FileInfo(info.type(), info.mode(), info.links(), info.uid(), info.gid(), info.size(),
                info.modified(), id);
    }

    private FileInfo virtualDirectory(String path) {
        Identity identity = root.identity();
        return new FileInfo(FileInfo.Type.DIRECTORY, 0555, 2, identity.uid(), identity.gid(), 0, created,
                VIRTUAL_ID + path);
    }

    @Override
    public Set<StorageCapability> capabilities() {
        return root.capabilities();
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        Route route = route(path);
        try {
            return tag(route.storage().stat(route.inner()), route.index(), path);
        } catch (NoSuchFileException missing) {
            if (holdsMount(path)) {
                return virtualDirectory(path);
            }
            throw missing;
        }
    }

    @Override
    public FileInfo lstatIfExists(String path) throws IOException {
        if (isMountPoint(path)) {
            return stat(path);
        }
        Route route = route(path);
        FileInfo info;
        try {
            info = route.storage().lstatIfExists(route.inner());
        } catch (NoSuchFileException missingParent) {
            if (holdsMount(path)) {
                return virtualDirectory(path);
            }
            throw missingParent;
        }
        return info == null && holdsMount(path) ? virtualDirectory(path) : tag(info, route.index(), path);
    }

    @Override
    public DirectoryListing list(String path) throws IOException {
        Map<String, FileInfo> mounted = new LinkedHashMap<>();
        String prefix = path.equals("/") ? "/" : path + "/";
        for (Mount mount : mounts) {
            if (mount.path().startsWith(prefix)) {
                String rest = mount.path().substring(prefix.length());
                int slash = rest.indexOf('/');
                String name = slash < 0 ? rest : rest.substring(0, slash);
                if (!mounted.containsKey(name)) {
                    mounted.put(name, statOrVirtual(prefix + name));
                }
            }
        }
        Route route = route(path);
        DirectoryListing listing;
        try {
            listing = route.storage().list(route.inner());
        } catch (NoSuchFileException missing) {
            if (mounted.isEmpty()) {
                throw missing;
            }
            listing = null;
        }
        return new Listing(listing, route.index(), prefix, mounted);
    }

    private FileInfo statOrVirtual(String path) {
        try {
            return stat(path);
        } catch (IOException unavailable) {
            return virtualDirectory(path); // a folder whose root is gone still shows where it is
        }
    }

    /** A storage's entries (tagged, those hidden by a mount left out), then the folders mounted in the directory. */
    private static final class Listing implements DirectoryListing {

        private final DirectoryListing listing;
        private final int index;
        private final String prefix;
        private final Map<String, FileInfo> mounted;

        Listing(DirectoryListing listing, int index, String prefix, Map<String, FileInfo> mounted) {
            this.listing = listing;
            this.index = index;
            this.prefix = prefix;
            this.mounted = mounted;
        }

        @Override
        public Iterator<DirectoryEntry> iterator() {
            Iterator<DirectoryEntry> entries = listing == null ? java.util.Collections.emptyIterator()
                    : listing.iterator();
            Iterator<Map.Entry<String, FileInfo>> extra = mounted.entrySet().iterator();
            return new Iterator<>() {
                private DirectoryEntry next;

                @Override
                public boolean hasNext() {
                    while (next == null && entries.hasNext()) {
                        DirectoryEntry entry = entries.next();
                        if (!mounted.containsKey(entry.name())) {
                            next = new DirectoryEntry(entry.name(), tag(entry.info(), index, prefix + entry.name()));
                        }
                    }
                    if (next == null && extra.hasNext()) {
                        Map.Entry<String, FileInfo> folder = extra.next();
                        next = new DirectoryEntry(folder.getKey(), folder.getValue());
                    }
                    return next != null;
                }

                @Override
                public DirectoryEntry next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    DirectoryEntry entry = next;
                    next = null;
                    return entry;
                }
            };
        }

        @Override
        public void close() throws IOException {
            if (listing != null) {
                listing.close();
            }
        }
    }

    @Override
    public ReadFile openRead(String path) throws IOException {
        Route route = route(path);
        ReadFile opened = route.storage().openRead(route.inner());
        return new ReadFile(opened.channel(), tag(opened.info(), route.index(), path));
    }

    /** The route for a change at {@code path}: refused in a read-only folder and on mount points and their parents. */
    private Route writable(String path) throws IOException {
        Route route = route(path);
        if (route.readOnly()) {
            throw new AccessDeniedException(path, null, "Read-only folder");
        }
        return route;
    }

    private void refuseStructural(String path) throws IOException {
        if (isMountPoint(path) || holdsMount(path)) {
            throw new AccessDeniedException(path, null, "Virtual folders cannot be moved or removed");
        }
    }

    @Override
    public SeekableByteChannel openWrite(String path, WriteMode mode, long offset, int permissions)
            throws IOException {
        Route route = writable(path);
        return route.storage().openWrite(route.inner(), mode, offset, permissions);
    }

    @Override
    public PendingUpload startUpload(String path, int permissions) throws IOException {
        Route route = writable(path);
        return route.storage().startUpload(route.inner(), permissions);
    }

    @Override
    public void mkdir(String path, int permissions) throws IOException {
        if (isMountPoint(path) || holdsMount(path)) {
            throw new FileAlreadyExistsException(path, null, "File exists");
        }
        Route route = writable(path);
        route.storage().mkdir(route.inner(), permissions);
    }

    @Override
    public void rmdir(String path) throws IOException {
        refuseStructural(path);
        Route route = writable(path);
        route.storage().rmdir(route.inner());
    }

    @Override
    public void delete(String path) throws IOException {
        refuseStructural(path);
        Route route = writable(path);
        route.storage().delete(route.inner());
    }

    @Override
    public void rename(String from, String to, boolean replace) throws IOException {
        refuseStructural(from);
        refuseStructural(to);
        Route source = writable(from);
        Route target = writable(to);
        if (source.index() != target.index()) {
            throw new FileSystemException(from, to, "Renaming between virtual folders is not supported "
                    + "(download and upload again)");
        }
        source.storage().rename(source.inner(), target.inner(), replace);
    }

    @Override
    public void setModified(String path, Instant time) throws IOException {
        Route route = writable(path);
        route.storage().setModified(route.inner(), time);
    }

    @Override
    public void chmod(String path, int mode) throws IOException {
        Route route = writable(path);
        route.storage().chmod(route.inner(), mode);
    }

    @Override
    public String readLink(String path) throws IOException {
        Route route = route(path);
        return route.storage().readLink(route.inner());
    }

    @Override
    public Space space(String path) throws IOException {
        Route route = route(path);
        return route.storage().space(route.inner());
    }

    @Override
    public boolean permits(FileInfo info, int access) {
        String id = info.uniqueId();
        if (id == null) {
            return root.permits(info, access);
        }
        if (id.startsWith(VIRTUAL_ID)) {
            return (access & 2) == 0;
        }
        int colon = id.indexOf(':');
        int index;
        try {
            index = Integer.parseInt(id, 0, colon, 10);
        } catch (NumberFormatException | IndexOutOfBoundsException notTagged) {
            return root.permits(info, access);
        }
        if (index < 0 || index > mounts.size()) {
            return false;
        }
        if (index > 0 && mounts.get(index - 1).readOnly() && (access & 2) != 0) {
            return false;
        }
        String original = id.startsWith("i", colon + 1) ? id.substring(colon + 2) : null;
        FileInfo untagged = new FileInfo(info.type(), info.mode(), info.links(), info.uid(), info.gid(), info.size(),
                info.modified(), original);
        return storageOf(index).permits(untagged, access);
    }

    @Override
    public Identity identity() {
        return root.identity();
    }

    @Override
    public String key() {
        return root.key();
    }

    @Override
    public Path localPath(String path) {
        Route route = route(path);
        return route.storage().localPath(route.inner());
    }

    @Override
    public void close() throws IOException {
        List<IOException> failures = new ArrayList<>();
        for (Mount mount : mounts) {
            try {
                mount.storage().close();
            } catch (IOException failure) {
                failures.add(failure);
            }
        }
        root.close();
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
