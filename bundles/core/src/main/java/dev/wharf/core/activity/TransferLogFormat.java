package dev.wharf.core.activity;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The transfer log line formats of Pure-FTPd's {@code AltLog}, so existing log analysers keep working. Paths are
 * the real paths on disk; host names are never looked up, the client's IP address stands in for them.
 */
public enum TransferLogFormat {

    /** Common Log Format: {@code 127.0.0.1 - joe [22/Nov/2026:20:43:32 +0100] "PUT /srv/a%20b" 200 13}. */
    CLF {
        @Override
        String line(TransferRecord record, ZoneId zone) {
            return record.client().getHostAddress() + " - " + user(record) + " ["
                    + CLF_TIME.format(record.end(), zone) + "] \"" + (record.upload() ? "PUT " : "GET ")
                    + urlEncoded(record.file().toString()) + "\" 200 " + record.bytes();
        }
    },
    /** {@code <unix time> <session start hex>.<session hex> <user> <host> <U|D> <bytes> <seconds> <file>}. */
    STATS {
        @Override
        String line(TransferRecord record, ZoneId zone) {
            return record.end().getEpochSecond() + " " + Long.toHexString(record.sessionStart().getEpochSecond())
                    + "." + Long.toHexString(record.sessionId()) + " " + user(record) + " "
                    + record.client().getHostAddress() + " " + (record.upload() ? "U " : "D ") + record.bytes() + " "
                    + seconds(record) + " " + record.file();
        }
    },
    /** W3C extended log, times in UTC, with its {@code #Fields} header at the top of each new file. */
    W3C {
        @Override
        String line(TransferRecord record, ZoneId zone) {
            return W3C_TIME.format(record.end(), ZoneOffset.UTC) + " " + record.client().getHostAddress() + " "
                    + (record.upload() ? "[]created " : "[]sent ") + urlEncoded(record.file().toString()) + " 226 "
                    + user(record) + " " + record.bytes();
        }

        @Override
        String header(Instant now) {
            return "#Software: Wharf\n#Version: 1.0\n#Date: " + W3C_TIME.format(now, ZoneOffset.UTC)
                    + "\n#Fields: date time c-ip cs-method cs-uri-stem sc-status cs-username sc-bytes\n";
        }
    },
    /**
     * wu-ftpd's xferlog(5): {@code Mon Nov 22 20:43:32 2026 1 127.0.0.1 13 /srv/a_b b _ i r joe ftp 1 * c}. The
     * access mode is {@code a} for anonymous sessions as xferlog(5) says (Pure-FTPd always writes {@code r}); the
     * last field is {@code c} for a complete transfer and {@code i} for an incomplete one.
     */
    XFERLOG {
        @Override
        String line(TransferRecord record, ZoneId zone) {
            return XFERLOG_TIME.format(record.end(), zone) + " " + seconds(record) + " "
                    + record.client().getHostAddress() + " " + record.bytes() + " "
                    + record.file().toString().replace(' ', '_') + (record.binary() ? " b _ " : " a _ ")
                    + (record.upload() ? "i " : "o ") + (record.anonymous() ? "a " : "r ") + user(record)
                    + " ftp 1 * " + (record.complete() ? "c" : "i");
        }
    };

    private static final SecondsFormat CLF_TIME = new SecondsFormat("dd/MMM/yyyy:HH:mm:ss Z");
    private static final SecondsFormat W3C_TIME = new SecondsFormat("yyyy-MM-dd HH:mm:ss");
    private static final SecondsFormat XFERLOG_TIME = new SecondsFormat("EEE MMM ppd HH:mm:ss yyyy");

    /**
     * A time pattern with whole seconds, formatted once per second: a busy server logs many transfers in the same
     * second, and {@link DateTimeFormatter} costs more than the rest of the line.
     */
    private static final class SecondsFormat {
        private record Formatted(long epochSecond, ZoneId zone, String text) {
        }

        private final DateTimeFormatter formatter;
        private volatile Formatted last = new Formatted(Long.MIN_VALUE, null, "");

        SecondsFormat(String pattern) {
            this.formatter = DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
        }

        String format(Instant time, ZoneId zone) {
            Formatted cached = last;
            if (cached.epochSecond() == time.getEpochSecond() && zone.equals(cached.zone())) {
                return cached.text();
            }
            String text = formatter.format(time.atZone(zone));
            last = new Formatted(time.getEpochSecond(), zone, text);
            return text;
        }
    }

    /** One line for {@code record}, without the line end. */
    abstract String line(TransferRecord record, ZoneId zone);

    /** What a new, empty log file starts with. */
    String header(Instant now) {
        return "";
    }

    /** The format named by {@code name} (case-insensitive), or {@code null}. */
    public static TransferLogFormat named(String name) {
        for (TransferLogFormat format : values()) {
            if (format.name().equalsIgnoreCase(name)) {
                return format;
            }
        }
        return null;
    }

    /** Account names are written as one field: blanks and control characters become {@code _}. */
    private static String user(TransferRecord record) {
        StringBuilder name = new StringBuilder(record.account().length());
        for (int i = 0; i < record.account().length(); i++) {
            char c = record.account().charAt(i);
            name.append(c <= ' ' || c == 0x7f ? '_' : c);
        }
        return name.isEmpty() ? "-" : name.toString();
    }

    /** Whole seconds, at least 1, as wu-ftpd counts them. */
    private static long seconds(TransferRecord record) {
        return Math.max(1, (record.duration().toMillis() + 500) / 1000);
    }

    /** Percent-encodes every byte of the UTF-8 form except unreserved characters and {@code /}. */
    static String urlEncoded(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        StringBuilder encoded = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.'
                    || c == '-' || c == '_' || c == '~') {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return encoded.toString();
    }
}
