package dev.wharf.storage.s3;

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
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One session's view of an account's prefix in a bucket. A file {@code /a/b} is the object {@code <prefix>a/b}; a
 * directory {@code /a} is every key under {@code <prefix>a/}, with the zero-byte marker {@code <prefix>a/} that
 * {@link #mkdir} makes so that an empty directory exists. Objects have no modes, owners, links or settable times:
 * files show as {@code 0644}, directories as {@code 0755}, both owned by the session's identity, and none of the
 * optional {@link StorageCapability capabilities} is offered.
 */
final class S3Storage implements Storage {

    /** Quota bookkeeping files ({@code .ftpquota}) are read and rewritten whole; nothing bigger is. */
    static final int MAX_UPDATE_BYTES = 1 << 20;
    /** Keys per DeleteObjects request (S3's maximum). */
    private static final int DELETE_BATCH = 1000;
    static final String DIRECTORY_TYPE = "application/x-directory";

    private final SharedClient shared;
    private final S3Client client;
    private final S3StorageProvider.Target target;
    private final Identity identity;
    private final int partSize;
    private final long multipartCopyThreshold;

    private boolean closed;

    S3Storage(SharedClient shared, S3StorageProvider.Target target, Identity identity, int partSize,
              long multipartCopyThreshold) {
        this.shared = shared;
        this.client = shared.client();
        this.target = target;
        this.identity = identity;
        this.partSize = partSize;
        this.multipartCopyThreshold = multipartCopyThreshold;
    }

    S3Client client() {
        return client;
    }

    SharedClient sharedClient() {
        return shared;
    }

    String bucket() {
        return target.bucket();
    }

    S3StorageProvider.Target target() {
        return target;
    }

    // ---- keys

    /** The object key of a file path. */
    String key(String path) {
        return path.equals("/") ? target.prefix() : target.prefix() + path.substring(1);
    }

    /** The marker key of a directory path (and the prefix of everything in it). */
    String directoryKey(String path) {
        return path.equals("/") ? target.prefix() : target.prefix() + path.substring(1) + "/";
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    static String child(String directory, String name) {
        return directory.equals("/") ? "/" + name : directory + "/" + name;
    }

    IOException failure(SdkException failure, String path) {
        return S3Failures.during(failure, target, path);
    }

    // ---- attributes

    private FileInfo fileInfo(long size, Instant modified) {
        return new FileInfo(FileInfo.Type.FILE, 0644, 1, identity.uid(), identity.gid(), size,
                modified == null ? Instant.EPOCH : modified, null);
    }

    private FileInfo directoryInfo(Instant modified) {
        return new FileInfo(FileInfo.Type.DIRECTORY, 0755, 1, identity.uid(), identity.gid(), 0,
                modified == null ? Instant.EPOCH : modified, null);
    }

    /** A listed object's size (some servers leave it out for empty objects). */
    static long sizeOf(S3Object object) {
        return object.size() == null ? 0 : object.size();
    }

    /** The object's metadata, or {@code null} when there is no such object. */
    HeadObjectResponse head(String key, String path) throws IOException {
        try {
            return client.headObject(request -> request.bucket(target.bucket()).key(key));
        } catch (NoSuchKeyException missing) {
            return null;
        } catch (SdkException failure) {
            if (S3Failures.status(failure) == 404 && !"NoSuchBucket".equals(S3Failures.code(failure))) {
                return null; // HEAD answers have no body, so a missing key is a bare 404
            }
            throw failure(failure, path);
        }
    }

    /**
     * Whether the object is a directory marker. Some S3-compatible servers (S3Proxy's stores) answer a HEAD of
     * {@code a} with the marker {@code a/} and the reverse, so the content type tells them apart.
     */
    static boolean isMarker(HeadObjectResponse object) {
        String type = object.contentType();
        return type != null && type.startsWith(DIRECTORY_TYPE);
    }

    /** Whether the directory's marker or any key under it exists. */
    boolean directoryExists(String path) throws IOException {
        if (path.equals("/")) {
            return true;
        }
        HeadObjectResponse marker = head(directoryKey(path), path);
        if (marker != null && isMarker(marker)) {
            return true;
        }
        try {
            // a directory made by other tools may have an untyped marker, or none (keys under it only)
            // the contents, not KeyCount: not every S3-compatible server sends it
            return !client.listObjectsV2(request -> request.bucket(target.bucket()).prefix(directoryKey(path))
                    .maxKeys(1)).contents().isEmpty();
        } catch (SdkException failure) {
            throw failure(failure, path);
        }
    }

    /** The entry at {@code path}, or {@code null}; says nothing about the parent. */
    private FileInfo find(String path) throws IOException {
        if (path.equals("/")) {
            return directoryInfo(null);
        }
        HeadObjectResponse object = head(key(path), path);
        if (object != null && !isMarker(object)) {
            return fileInfo(object.contentLength(), object.lastModified());
        }
        if (object != null || directoryExists(path)) {
            return directoryInfo(object == null ? null : object.lastModified());
        }
        return null;
    }

    /** The object at {@code path} when it is a file, else {@code null}. */
    HeadObjectResponse headFile(String path) throws IOException {
        if (path.equals("/")) {
            return null;
        }
        HeadObjectResponse object = head(key(path), path);
        return object == null || isMarker(object) ? null : object;
    }

    @Override
    public Set<StorageCapability> capabilities() {
        return Set.of();
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        FileInfo info = find(path);
        if (info == null) {
            throw new NoSuchFileException(path);
        }
        return info;
    }

    @Override
    public FileInfo lstatIfExists(String path) throws IOException {
        FileInfo info = find(path);
        if (info == null && !path.equals("/")) {
            requireDirectory(parentOf(path));
        }
        return info;
    }

    /** Throws unless {@code path} is a directory. */
    void requireDirectory(String path) throws IOException {
        if (path.equals("/")) {
            return;
        }
        if (directoryExists(path)) {
            return;
        }
        if (headFile(path) != null) {
            throw new NotDirectoryException(path);
        }
        throw new NoSuchFileException(path);
    }

    @Override
    public DirectoryListing list(String path) throws IOException {
        requireDirectory(path);
        String prefix = directoryKey(path);
        return new Listing(prefix, path);
    }

    /** ListObjectsV2 with the delimiter {@code /}, page after page as the caller iterates. */
    private final class Listing implements DirectoryListing, Iterator<DirectoryEntry> {
        private final String prefix;
        private final String path;
        private final Deque<DirectoryEntry> page = new ArrayDeque<>();
        private String continuation;
        private boolean more = true;
        private boolean iterated;

        Listing(String prefix, String path) {
            this.prefix = prefix;
            this.path = path;
        }

        @Override
        public Iterator<DirectoryEntry> iterator() {
            if (iterated) {
                throw new IllegalStateException("a listing is iterated once");
            }
            iterated = true;
            return this;
        }

        @Override
        public boolean hasNext() {
            while (page.isEmpty() && more) {
                fetch();
            }
            return !page.isEmpty();
        }

        @Override
        public DirectoryEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return page.removeFirst();
        }

        private void fetch() {
            String token = continuation;
            ListObjectsV2Response response;
            try {
                response = client.listObjectsV2(request -> request.bucket(target.bucket()).prefix(prefix)
                        .delimiter("/").continuationToken(token));
            } catch (SdkException failure) {
                throw new UncheckedIOException(failure(failure, path));
            }
            for (CommonPrefix common : response.commonPrefixes()) {
                String name = common.prefix().substring(prefix.length(), common.prefix().length() - 1);
                if (!name.isEmpty()) {
                    page.add(new DirectoryEntry(name, directoryInfo(null)));
                }
            }
            for (S3Object object : response.contents()) {
                String name = object.key().substring(prefix.length());
                if (!name.isEmpty()) { // the directory's own marker
                    page.add(new DirectoryEntry(name, fileInfo(sizeOf(object), object.lastModified())));
                }
            }
            continuation = response.nextContinuationToken();
            more = Boolean.TRUE.equals(response.isTruncated()) && continuation != null;
        }

        @Override
        public void close() {
            more = false;
            page.clear();
        }
    }

    @Override
    public ReadFile openRead(String path) throws IOException {
        HeadObjectResponse object = headFile(path);
        if (object == null) {
            if (directoryExists(path)) {
                throw new FileSystemException(path, null, "Is a directory");
            }
            throw new NoSuchFileException(path);
        }
        FileInfo info = fileInfo(object.contentLength(), object.lastModified());
        return new ReadFile(new S3ReadChannel(this, key(path), path, object.contentLength(), object.eTag()), info);
    }

    @Override
    public SeekableByteChannel openWrite(String path, WriteMode mode, long offset, int permissions)
            throws IOException {
        if (mode != WriteMode.UPDATE) {
            throw new UnsupportedOperationException("objects in S3 cannot be appended to or written in place");
        }
        requireDirectory(parentOf(path));
        if (directoryExists(path)) {
            throw new FileSystemException(path, null, "Is a directory");
        }
        return SmallObjectChannel.open(this, key(path), path);
    }

    @Override
    public PendingUpload startUpload(String path, int permissions) throws IOException {
        String directory = parentOf(path);
        requireDirectory(directory);
        return new S3Upload(this, directory, path.substring(path.lastIndexOf('/') + 1), partSize);
    }

    @Override
    public void mkdir(String path, int permissions) throws IOException {
        if (path.equals("/") || find(path) != null) {
            throw new FileAlreadyExistsException(path);
        }
        requireDirectory(parentOf(path));
        putMarker(path);
    }

    private void putMarker(String path) throws IOException {
        try {
            client.putObject(request -> request.bucket(target.bucket()).key(directoryKey(path))
                    .contentType(DIRECTORY_TYPE), RequestBody.empty());
        } catch (SdkException failure) {
            throw failure(failure, path);
        }
    }

    /**
     * Creates the markers of the root and the start directory (and those between) when missing, so that the
     * prefix shows as an existing, empty home.
     */
    void createRoot(String startDirectory) throws IOException {
        if (!target.prefix().isEmpty() && rootMissing()) {
            try {
                client.putObject(request -> request.bucket(target.bucket()).key(target.prefix())
                        .contentType(DIRECTORY_TYPE), RequestBody.empty());
            } catch (SdkException failure) {
                throw S3Failures.atLogin(failure, target);
            }
        }
        String path = "";
        for (String segment : startDirectory.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            path += "/" + segment;
            if (find(path) == null) {
                putMarker(path);
            }
        }
    }

    /** Whether the account's prefix has no marker yet. */
    private boolean rootMissing() throws IOException {
        HeadObjectResponse marker = head(target.prefix(), "/");
        return marker == null || !isMarker(marker);
    }

    /**
     * Keeps a directory that loses its last entry: a directory made outside Wharf may have no marker, and without
     * keys under it, it would vanish.
     */
    private void keepDirectory(String path) throws IOException {
        if (!path.equals("/")) {
            HeadObjectResponse marker = head(directoryKey(path), path);
            if (marker == null || !isMarker(marker)) {
                putMarker(path);
            }
        }
    }

    @Override
    public void rmdir(String path) throws IOException {
        if (path.equals("/")) {
            throw new AccessDeniedException(path, null, "the root directory cannot be removed");
        }
        requireDirectory(path);
        rmdirIfEmpty(path);
        deleteKey(directoryKey(path), path);
        keepDirectory(parentOf(path));
    }

    @Override
    public void delete(String path) throws IOException {
        if (headFile(path) == null) {
            if (directoryExists(path)) {
                throw new FileSystemException(path, null, "Is a directory");
            }
            throw new NoSuchFileException(path);
        }
        deleteKey(key(path), path);
        keepDirectory(parentOf(path));
    }

    void deleteKey(String key, String path) throws IOException {
        try {
            client.deleteObject(request -> request.bucket(target.bucket()).key(key));
        } catch (SdkException failure) {
            throw failure(failure, path);
        }
    }

    @Override
    public void rename(String from, String to, boolean replace) throws IOException {
        if (from.equals("/") || to.equals("/")) {
            throw new AccessDeniedException(from.equals("/") ? from : to, null,
                    "the root directory cannot be renamed or replaced");
        }
        FileInfo source = stat(from);
        if (from.equals(to)) {
            return;
        }
        FileInfo existing = lstatIfExists(to);
        if (existing != null && !replace) {
            throw new FileAlreadyExistsException(to);
        }
        if (source.isFile()) {
            if (existing != null && existing.isDirectory()) {
                throw new FileSystemException(to, null, "Is a directory");
            }
            copy(key(from), key(to), source.size(), to);
            deleteKey(key(from), from);
        } else {
            if (to.startsWith(from + "/")) {
                throw new FileSystemException(to, null, "a directory cannot be moved into itself");
            }
            if (existing != null && !existing.isDirectory()) {
                throw new NotDirectoryException(to);
            }
            if (existing != null) {
                rmdirIfEmpty(to);
            }
            moveTree(from, to);
        }
        keepDirectory(parentOf(from));
    }

    /** Throws unless the directory holds nothing but its marker. */
    private void rmdirIfEmpty(String path) throws IOException {
        String marker = directoryKey(path);
        List<S3Object> inside;
        try {
            // some servers leave the key equal to the prefix out of the listing, S3 itself does not
            inside = client.listObjectsV2(request -> request.bucket(target.bucket()).prefix(marker).maxKeys(2))
                    .contents();
        } catch (SdkException failure) {
            throw failure(failure, path);
        }
        if (inside.stream().anyMatch(object -> !object.key().equals(marker))) {
            throw new DirectoryNotEmptyException(path);
        }
    }

    /**
     * Copies every key under {@code from/} to {@code to/}, then deletes the originals; when a copy fails, the copies
     * made so far are removed and the originals stay.
     */
    private void moveTree(String from, String to) throws IOException {
        String fromPrefix = directoryKey(from);
        String toPrefix = directoryKey(to);
        List<String> copied = new ArrayList<>();
        List<String> originals = new ArrayList<>();
        boolean markerCopied = false;
        try {
            String token = null;
            do {
                String continuation = token;
                ListObjectsV2Response page;
                try {
                    page = client.listObjectsV2(request -> request.bucket(target.bucket()).prefix(fromPrefix)
                            .continuationToken(continuation));
                } catch (SdkException failure) {
                    throw failure(failure, from);
                }
                for (S3Object object : page.contents()) {
                    String destination = toPrefix + object.key().substring(fromPrefix.length());
                    copy(object.key(), destination, sizeOf(object), to);
                    copied.add(destination);
                    originals.add(object.key());
                    markerCopied |= object.key().equals(fromPrefix);
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null);
            if (!markerCopied) {
                putMarker(to);
                copied.add(toPrefix);
                originals.add(fromPrefix); // a marker the listing left out, or none: deleting it is harmless
            }
        } catch (IOException failure) {
            try {
                copied.sort(java.util.Comparator.reverseOrder());
                deleteKeys(copied, to);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
        // entries before their directories' markers: servers that keep real directories refuse the reverse
        originals.sort(java.util.Comparator.reverseOrder());
        deleteKeys(originals, from);
    }

    private void deleteKeys(List<String> keys, String path) throws IOException {
        for (int start = 0; start < keys.size(); start += DELETE_BATCH) {
            List<ObjectIdentifier> batch = keys.subList(start, Math.min(keys.size(), start + DELETE_BATCH)).stream()
                    .map(key -> ObjectIdentifier.builder().key(key).build()).toList();
            try {
                var response = client.deleteObjects(request -> request.bucket(target.bucket())
                        .delete(delete -> delete.objects(batch).quiet(true)));
                if (!response.errors().isEmpty()) {
                    throw new IOException("S3 could not delete " + response.errors().size() + " key(s) under " + path
                            + ", e.g. " + response.errors().getFirst().key() + ": "
                            + response.errors().getFirst().message());
                }
            } catch (SdkException failure) {
                if (!"NotImplemented".equals(S3Failures.code(failure))) {
                    throw failure(failure, path);
                }
                // servers without DeleteObjects (or its checksum header): one request per key
                for (ObjectIdentifier object : batch) {
                    deleteKey(object.key(), path);
                }
            }
        }
    }

    /** A server-side copy; in parts above the single-copy limit (5 GiB). */
    void copy(String fromKey, String toKey, long size, String path) throws IOException {
        try {
            if (size <= multipartCopyThreshold) {
                client.copyObject(request -> request.sourceBucket(target.bucket()).sourceKey(fromKey)
                        .destinationBucket(target.bucket()).destinationKey(toKey));
                return;
            }
        } catch (SdkException failure) {
            throw failure(failure, path);
        }
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(request -> request.bucket(target.bucket()).key(toKey)).uploadId();
        } catch (SdkException failure) {
            throw failure(failure, path);
        }
        boolean done = false;
        try {
            // as few parts as S3 allows (at most 10,000, at least 5 MiB each): big ones, each copied on the server
            long piece = Math.max(Math.max(partSize, (size + 9_999) / 10_000), 5L << 20);
            piece = Math.min(piece, Math.max(multipartCopyThreshold, 5L << 20));
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long start = 0; start < size; start += piece, number++) {
                String range = "bytes=" + start + "-" + (Math.min(size, start + piece) - 1);
                int part = number;
                String etag = client.uploadPartCopy(request -> request.sourceBucket(target.bucket())
                        .sourceKey(fromKey).destinationBucket(target.bucket()).destinationKey(toKey)
                        .uploadId(uploadId).partNumber(part).copySourceRange(range)).copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(part).eTag(etag).build());
            }
            client.completeMultipartUpload(request -> request.bucket(target.bucket()).key(toKey).uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(parts)));
            done = true;
        } catch (SdkException failure) {
            throw failure(failure, path);
        } finally {
            if (!done) {
                abortQuietly(toKey, uploadId);
            }
        }
    }

    /** Aborts a multipart upload; a failure is left to the stale-upload sweep. */
    void abortQuietly(String key, String uploadId) {
        try {
            client.abortMultipartUpload(request -> request.bucket(target.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException failure) {
            org.slf4j.LoggerFactory.getLogger(S3Storage.class).warn("S3 storage: could not abort the multipart upload "
                    + "of {} ({}); the stale-upload sweep (stale.upload.hours) will", key, failure.getMessage());
        }
    }

    @Override
    public void setModified(String path, Instant time) {
        throw new UnsupportedOperationException("S3 objects' modification times cannot be set");
    }

    @Override
    public void chmod(String path, int mode) {
        throw new UnsupportedOperationException("S3 objects have no permission bits");
    }

    @Override
    public String readLink(String path) {
        throw new UnsupportedOperationException("S3 has no symbolic links");
    }

    /** A bucket has no size: unknown total, no limit but the account's quota. */
    @Override
    public Space space(String path) {
        return new Space(0, Long.MAX_VALUE);
    }

    /** Access is what the credentials allow; S3 judges it per request. */
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
        return "s3:" + (target.endpoint().isEmpty() ? target.region() : target.endpoint()) + "/" + target.bucket()
                + "/" + target.prefix();
    }

    @Override
    public Path localPath(String path) {
        return null;
    }

    /** Gives the shared client back: a client the provider retired meanwhile is closed with its last session. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            shared.release();
        }
    }
}
