package dev.wharf.core.admin;

import dev.wharf.core.activity.SessionInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The session list in the forms {@code pure-ftpwho} offers: a table for people, {@code -s}'s pipe-separated lines
 * for scripts (same fields in the same order, the session number in place of the process id), and JSON.
 */
final class WhoReport {

    private WhoReport() {
    }

    /** A table: one line per session, a second line with the transfer's progress where one runs. */
    static String table(List<SessionInfo> sessions, Instant now) {
        if (sessions.isEmpty()) {
            return "No session.\n";
        }
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%6s  %-16s %9s %-5s %-22s %-22s %s%n", "ID", "ACCOUNT", "TIME",
                "STATE", "CLIENT", "SERVER", "FILE"));
        for (SessionInfo session : sessions) {
            text.append(String.format(Locale.ROOT, "%6d  %-16s %9s %-5s %-22s %-22s %s%n", session.id(),
                    clip(session.account() == null ? "?" : session.account(), 16),
                    clock(Duration.between(session.connected(), now)), session.state(),
                    session.client().getAddress().getHostAddress() + ":" + session.client().getPort(),
                    session.local().getAddress().getHostAddress() + ":" + session.local().getPort(),
                    session.file() == null ? "" : printable(session.file())));
            if (session.file() != null) {
                text.append(String.format(Locale.ROOT, "%6s  %s%s, %s/s%n", "", kilobytes(session.transferred()),
                        session.total() > 0 ? " of " + kilobytes(session.total()) + " (" + percent(session) + "%)"
                                : "", kilobytes(session.bytesPerSecond())));
            }
        }
        return text.toString();
    }

    /**
     * {@code pure-ftpwho -s}: {@code id|account|seconds|state|file|remote|local|localport|current_KB|total_KB|
     * percent|KB/s}, state {@code " DL "}, {@code " UL "} or {@code IDLE}, {@code |} and {@code \} escaped.
     */
    static String machine(List<SessionInfo> sessions, Instant now) {
        StringBuilder text = new StringBuilder();
        for (SessionInfo session : sessions) {
            String state = session.state().equals("IDLE") ? "IDLE" : " " + session.state() + " ";
            text.append(session.id()).append('|')
                    .append(escape(session.account() == null ? "?" : session.account())).append('|')
                    .append(Duration.between(session.transferStart() != null ? session.transferStart()
                            : session.connected(), now).toSeconds()).append('|')
                    .append(state).append('|')
                    .append(escape(session.file() == null ? "" : session.file())).append('|')
                    .append(session.client().getAddress().getHostAddress()).append('|')
                    .append(session.local().getAddress().getHostAddress()).append('|')
                    .append(session.local().getPort()).append('|')
                    .append((session.offset() + session.transferred()) / 1024).append('|')
                    .append(Math.max(0, session.total()) / 1024).append('|')
                    .append(percent(session)).append('|')
                    .append(session.bytesPerSecond() / 1024).append('\n');
        }
        return text.toString();
    }

    /** A JSON array of objects, one per session. */
    static String json(List<SessionInfo> sessions, Instant now) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < sessions.size(); i++) {
            SessionInfo session = sessions.get(i);
            text.append(i == 0 ? "\n" : ",\n").append("  {\"id\": ").append(session.id())
                    .append(", \"account\": ").append(session.account() == null ? "null" : quoted(session.account()))
                    .append(", \"client\": ").append(quoted(session.client().getAddress().getHostAddress()))
                    .append(", \"clientPort\": ").append(session.client().getPort())
                    .append(", \"server\": ").append(quoted(session.local().getAddress().getHostAddress()))
                    .append(", \"serverPort\": ").append(session.local().getPort())
                    .append(", \"connectedSeconds\": ").append(Duration.between(session.connected(), now).toSeconds())
                    .append(", \"state\": ").append(quoted(session.state()));
            if (session.file() != null) {
                text.append(", \"file\": ").append(quoted(session.file()))
                        .append(", \"transferSeconds\": ")
                        .append(Duration.between(session.transferStart(), now).toSeconds())
                        .append(", \"offset\": ").append(session.offset())
                        .append(", \"transferred\": ").append(session.transferred())
                        .append(", \"total\": ").append(session.total())
                        .append(", \"bytesPerSecond\": ").append(session.bytesPerSecond());
            }
            text.append('}');
        }
        return text.append(sessions.isEmpty() ? "]\n" : "\n]\n").toString();
    }

    private static int percent(SessionInfo session) {
        if (session.total() <= 0) {
            return 0;
        }
        return (int) Math.min(100, (session.offset() + session.transferred()) * 100 / session.total());
    }

    private static String kilobytes(long bytes) {
        if (bytes >= 10L * 1024 * 1024) {
            return bytes / (1024 * 1024) + " MB";
        }
        return (bytes + 1023) / 1024 + " KB";
    }

    private static String clock(Duration duration) {
        long seconds = duration.toSeconds();
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    private static String clip(String text, int width) {
        String clean = printable(text);
        return clean.length() <= width ? clean : clean.substring(0, width - 1) + "~";
    }

    private static String printable(String text) {
        StringBuilder clean = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            clean.append(c < ' ' || c == 0x7f ? '_' : c);
        }
        return clean.toString();
    }

    private static String escape(String text) {
        return printable(text).replace("\\", "\\\\").replace("|", "\\|");
    }

    static String quoted(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
