package dev.wharf.core.activity;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * One finished (or broken) file transfer, as the transfer log, the statistics and Event Admin see it.
 *
 * @param sessionId    the server's number for the session
 * @param sessionStart when the session connected
 * @param account      the account name
 * @param anonymous    whether the session is anonymous
 * @param client       the client's address
 * @param upload       true for STOR/APPE/STOU, false for RETR
 * @param virtualPath  the path as the client sees it
 * @param file         the real path on the storage provider's file system
 * @param bytes        bytes moved over the data connection
 * @param duration     from the data connection's start to its end
 * @param complete     false when aborted, broken or refused part-way
 * @param binary       TYPE I (true) or TYPE A
 * @param end          when it ended
 */
public record TransferRecord(long sessionId, Instant sessionStart, String account, boolean anonymous,
                             InetAddress client, boolean upload, String virtualPath, Path file, long bytes,
                             Duration duration, boolean complete, boolean binary, Instant end) {
}
