package dev.wharf.api.hook;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * One finished upload.
 *
 * @param account       the account name of the session
 * @param virtualPath   the path as the client sees it, e.g. {@code /incoming/a.zip}
 * @param file          the stored file on the storage provider's file system
 * @param size          bytes received in this transfer
 * @param clientAddress the client's control connection address
 * @param complete      {@code false} when the transfer was aborted or broke (the file is then not stored)
 * @param time          when the upload ended
 */
public record UploadEvent(String account, String virtualPath, Path file, long size,
                          InetSocketAddress clientAddress, boolean complete, Instant time) {

    public UploadEvent {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(virtualPath, "virtualPath");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(time, "time");
    }
}
