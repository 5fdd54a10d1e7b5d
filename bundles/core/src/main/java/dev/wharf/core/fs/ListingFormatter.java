package dev.wharf.core.fs;

import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Storage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;

/** Formats directory entries as {@code ls -l} lines, the form FTP clients parse, and as MLSx facts. */
public final class ListingFormatter {

    /** Like ls: entries older than about six months show the year instead of the time. */
    private static final Duration RECENT_WINDOW = Duration.ofDays(180);

    private final ZoneId zone;
    private final Instant now;

    public ListingFormatter(ZoneId zone, Instant now) {
        this.zone = zone;
        this.now = now;
    }

    /**
     * One {@code ls -l} line for an entry shown as {@code name}, without the line terminator.
     *
     * @param linkTarget what a symbolic link points to, or {@code null}
     */
    public String longFormat(FileInfo stat, String name, String linkTarget) {
        StringBuilder line = new StringBuilder(64 + name.length());
        line.append(stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : stat.isFile() ? '-' : '?');
        appendPermissions(line, stat.mode());
        line.append(' ');
        padLeft(line, Long.toString(stat.links()), 4);
        line.append(' ');
        padRight(line, Integer.toString(stat.uid()), 10);
        line.append(' ');
        padRight(line, Integer.toString(stat.gid()), 10);
        line.append(' ');
        padLeft(line, Long.toString(stat.size()), 10);
        line.append(' ');
        Instant modified = stat.modified();
        boolean recent = modified.isAfter(now.minus(RECENT_WINDOW)) && !modified.isAfter(now.plus(Duration.ofDays(1)));
        appendDate(line, modified, recent);
        line.append(' ').append(name);
        if (stat.isSymbolicLink() && linkTarget != null) {
            line.append(" -> ").append(linkTarget);
        }
        return line.toString();
    }

    /**
     * MLSx facts (RFC 3659) of the entry, each as {@code name=value;}, in the order FEAT announces them.
     *
     * @param stat           the entry (a symbolic link followed where it can be)
     * @param type           the type fact to show instead of the entry's own ({@code cdir}), or {@code null}
     * @param storage        judges what the session may do with the entry
     * @param parentWritable whether the session may change the entry's directory
     */
    public static String machineFacts(FileInfo stat, String type, Set<String> wanted, Storage storage,
                                      boolean parentWritable) {
        boolean identify = wanted.contains("unique");
        String kind = type != null ? type : stat.isDirectory() ? "dir" : stat.isFile() ? "file" : "OS.unix=other";
        StringBuilder facts = new StringBuilder(128);
        if (wanted.contains("type")) {
            facts.append("type=").append(kind).append(';');
        }
        if (stat.isFile() && wanted.contains("size")) {
            facts.append("size=").append(stat.size()).append(';');
        }
        if (wanted.contains("modify")) {
            facts.append("modify=").append(machineTime(stat.modified())).append(';');
        }
        if (wanted.contains("perm")) {
            facts.append("perm=").append(permissionFacts(stat, storage, parentWritable)).append(';');
        }
        if (wanted.contains("unix.mode")) {
            String octal = Integer.toOctalString(stat.mode());
            facts.append("UNIX.mode=").append("0000", 0, 4 - Math.min(4, octal.length())).append(octal).append(';');
        }
        if (wanted.contains("unix.uid")) {
            facts.append("UNIX.uid=").append(stat.uid()).append(';');
        }
        if (wanted.contains("unix.gid")) {
            facts.append("UNIX.gid=").append(stat.gid()).append(';');
        }
        if (identify && stat.uniqueId() != null) {
            facts.append("unique=").append(stat.uniqueId()).append(';');
        }
        return facts.toString();
    }

    /** What this account may do with the entry (RFC 3659 section 7.5.5), as its storage judges it. */
    private static String permissionFacts(FileInfo stat, Storage storage, boolean parentWritable) {
        boolean readable = storage.permits(stat, 4);
        boolean writable = storage.permits(stat, 2);
        StringBuilder perm = new StringBuilder(8);
        if (stat.isDirectory()) {
            if (storage.permits(stat, 1)) {
                perm.append('e');
            }
            if (readable) {
                perm.append('l');
            }
            if (writable) {
                perm.append("cmp");
            }
        } else {
            if (readable) {
                perm.append('r');
            }
            if (writable) {
                perm.append("aw");
            }
        }
        if (parentWritable) {
            perm.append("df");
        }
        return perm.toString();
    }

    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};

    /** {@code MMM dd HH:mm} for recent entries, {@code MMM dd  yyyy} for others, without a formatter per line. */
    private void appendDate(StringBuilder line, Instant instant, boolean recent) {
        LocalDateTime local = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), 0,
                zone.getRules().getOffset(instant));
        line.append(MONTHS[local.getMonthValue() - 1]).append(' ');
        twoDigits(line, local.getDayOfMonth());
        if (recent) {
            line.append(' ');
            twoDigits(line, local.getHour());
            line.append(':');
            twoDigits(line, local.getMinute());
        } else {
            line.append("  ").append(local.getYear());
        }
    }

    /** RFC 3659 time-val, {@code yyyyMMddHHmmss} in UTC. */
    static String machineTime(Instant instant) {
        LocalDateTime utc = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), 0, ZoneOffset.UTC);
        StringBuilder text = new StringBuilder(14).append(utc.getYear());
        twoDigits(text, utc.getMonthValue());
        twoDigits(text, utc.getDayOfMonth());
        twoDigits(text, utc.getHour());
        twoDigits(text, utc.getMinute());
        twoDigits(text, utc.getSecond());
        return text.toString();
    }

    private static void twoDigits(StringBuilder text, int value) {
        if (value < 10) {
            text.append('0');
        }
        text.append(value);
    }

    private static void appendPermissions(StringBuilder line, int mode) {
        String letters = "rwxrwxrwx";
        for (int bit = 8; bit >= 0; bit--) {
            line.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
        }
    }

    private static void padLeft(StringBuilder line, String value, int width) {
        for (int i = value.length(); i < width; i++) {
            line.append(' ');
        }
        line.append(value);
    }

    private static void padRight(StringBuilder line, String value, int width) {
        line.append(value);
        for (int i = value.length(); i < width; i++) {
            line.append(' ');
        }
    }
}
