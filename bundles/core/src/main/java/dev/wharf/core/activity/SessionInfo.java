package dev.wharf.core.activity;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * What {@code wharf:who} shows of one session at one moment.
 *
 * @param id              the server's number for the session ({@code wharf:kick} takes it)
 * @param account         the account, or {@code null} before login
 * @param client          the client's address
 * @param local           the address and port the client connected to
 * @param connected       when the session connected
 * @param state           {@code IDLE}, {@code DL} (download) or {@code UL} (upload)
 * @param file            the file being transferred (client's path), or {@code null}
 * @param transferStart   when the current transfer started, or {@code null}
 * @param offset          the REST offset of the current transfer
 * @param total           the size expected in all (offset included), -1 when unknown (uploads)
 * @param transferred     bytes moved so far in the current transfer
 * @param bytesPerSecond  the current transfer's average speed
 */
public record SessionInfo(long id, String account, InetSocketAddress client, InetSocketAddress local,
                          Instant connected, String state, String file, Instant transferStart, long offset,
                          long total, long transferred, long bytesPerSecond) {
}
