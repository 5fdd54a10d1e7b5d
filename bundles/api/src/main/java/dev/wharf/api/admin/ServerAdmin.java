package dev.wharf.api.admin;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The operator's view of the running server; registered by the core. */
@ProviderType
public interface ServerAdmin {

    /**
     * One session at one moment.
     *
     * @param id             the server's number for the session (what {@link #kick} takes)
     * @param account        the account, or {@code null} before login
     * @param client         the client's address
     * @param local          the address and port the client connected to
     * @param connected      when the session connected
     * @param state          {@code IDLE}, {@code DL} (download) or {@code UL} (upload)
     * @param file           the file being transferred (client's path), or {@code null}
     * @param transferred    bytes moved so far in the current transfer
     * @param bytesPerSecond the current transfer's average speed
     */
    record Session(long id, String account, InetSocketAddress client, InetSocketAddress local, Instant connected,
                   String state, String file, long transferred, long bytesPerSecond) {
    }

    /** An address refused at connect until {@code until}. */
    record Ban(String address, Instant until) {
    }

    /** One item of the health report: a listener bound, a backend present, a database answering, ... */
    record HealthItem(String name, boolean ok, String detail) {

        /**
         * The report's text, as {@code bin/wharf status} and {@code GET /health} show it: one line per item, then
         * {@code health: OK} or {@code health: FAILING (n problems)}.
         *
         * @since 1.1
         */
        public static String report(List<HealthItem> items) {
            StringBuilder text = new StringBuilder();
            long failing = items.stream().filter(item -> !item.ok()).count();
            for (HealthItem item : items) {
                text.append(item.ok() ? "ok      " : "FAILING ").append(item.name()).append(": ")
                        .append(item.detail()).append('\n');
            }
            text.append("health: ").append(failing == 0 ? "OK" : "FAILING (" + failing + " problem"
                    + (failing == 1 ? "" : "s") + ")").append('\n');
            return text.toString();
        }

        /** Whether every item is ok. @since 1.1 */
        public static boolean healthy(List<HealthItem> items) {
            return items.stream().allMatch(HealthItem::ok);
        }
    }

    /** Counts since the server started. */
    record Totals(Instant started, long connections, long logins, long uploads, long downloads, long uploadedBytes,
                  long downloadedBytes) {
    }

    /** The sessions now, logged in or not, oldest first. */
    List<Session> sessions();

    /**
     * Closes session {@code id} with {@code 421 Disconnected by the administrator} and returns once it has ended
     * (within a few seconds); false when there is no such session.
     */
    boolean kick(long id);

    /** The addresses banned now, by address. */
    List<Ban> bans();

    /**
     * Lifts the ban on {@code address} (an IP address literal; no name is looked up) and forgets its failed logins;
     * false when it was not banned.
     *
     * @throws IllegalArgumentException when {@code address} is not an IP address literal
     */
    boolean unban(String address);

    /** Counts since start. */
    Totals totals();

    /**
     * The health report as {@code bin/wharf status} shows it: listeners bound, an auth backend and a storage
     * provider present, and every registered {@link dev.wharf.api.health.HealthCheck}. Runs the checks, each within
     * its own time bound.
     */
    List<HealthItem> health();
}
