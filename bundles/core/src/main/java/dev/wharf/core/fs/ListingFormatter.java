package dev.wharf.core.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Formats directory entries as {@code ls -l} lines, the form FTP clients parse. */
public final class ListingFormatter {

    private static final DateTimeFormatter RECENT = DateTimeFormatter.ofPattern("MMM dd HH:mm", Locale.US);
    private static final DateTimeFormatter OLD = DateTimeFormatter.ofPattern("MMM dd  yyyy", Locale.US);
    /** Like ls: entries older than about six months show the year instead of the time. */
    private static final Duration RECENT_WINDOW = Duration.ofDays(180);

    private final ZoneId zone;
    private final Instant now;

    public ListingFormatter(ZoneId zone, Instant now) {
        this.zone = zone;
        this.now = now;
    }

    /** One {@code ls -l} line for {@code path} shown as {@code name}, without the line terminator. */
    public String longFormat(Path path, String name) throws IOException {
        BasicFileAttributes basic;
        PosixFileAttributes posix = null;
        try {
            posix = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            basic = posix;
        } catch (UnsupportedOperationException noPosix) {
            basic = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        StringBuilder line = new StringBuilder(80);
        line.append(typeChar(basic));
        line.append(posix != null ? permissions(posix.permissions()) : basic.isDirectory() ? "rwxr-xr-x" : "rw-r--r--");
        long links = 1;
        int uid = 0;
        int gid = 0;
        try {
            Map<String, Object> unix = Files.readAttributes(path, "unix:nlink,uid,gid", LinkOption.NOFOLLOW_LINKS);
            links = ((Number) unix.get("nlink")).longValue();
            uid = (Integer) unix.get("uid");
            gid = (Integer) unix.get("gid");
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            // numbers stay at their neutral defaults
        }
        line.append(String.format(Locale.ROOT, " %4d %-10d %-10d %10d ", links, uid, gid, basic.size()));
        Instant modified = basic.lastModifiedTime().toInstant();
        ZonedDateTime local = modified.atZone(zone);
        boolean recent = modified.isAfter(now.minus(RECENT_WINDOW)) && !modified.isAfter(now.plus(Duration.ofDays(1)));
        line.append((recent ? RECENT : OLD).format(local)).append(' ').append(name);
        if (basic.isSymbolicLink()) {
            try {
                line.append(" -> ").append(Files.readSymbolicLink(path));
            } catch (IOException unreadable) {
                // show the link without its target
            }
        }
        return line.toString();
    }

    /** MLSx facts (RFC 3659) of the entry, each as {@code name=value;}, in the order FEAT announces them. */
    public static String machineFacts(Path path, String type, Set<String> wanted) throws IOException {
        BasicFileAttributes basic;
        try {
            basic = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException dangling) {
            basic = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        String kind = type != null ? type : basic.isDirectory() ? "dir" : basic.isRegularFile() ? "file" : "OS.unix=other";
        StringBuilder facts = new StringBuilder(128);
        fact(facts, wanted, "type", kind);
        if (basic.isRegularFile()) {
            fact(facts, wanted, "size", Long.toString(basic.size()));
        }
        fact(facts, wanted, "modify", MACHINE_TIME.format(basic.lastModifiedTime().toInstant()));
        fact(facts, wanted, "perm", permissionFacts(path, basic.isDirectory()));
        try {
            Map<String, Object> unix = Files.readAttributes(path, "unix:mode,uid,gid");
            fact(facts, wanted, "UNIX.mode", String.format(Locale.ROOT, "%04o", (Integer) unix.get("mode") & 07777));
            fact(facts, wanted, "UNIX.uid", unix.get("uid").toString());
            fact(facts, wanted, "UNIX.gid", unix.get("gid").toString());
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException noUnixView) {
            // these facts are optional
        }
        Object key = basic.fileKey();
        if (key != null) {
            fact(facts, wanted, "unique", uniqueId(key.toString()));
        }
        return facts.toString();
    }

    private static final java.time.format.DateTimeFormatter MACHINE_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(java.time.ZoneOffset.UTC);

    private static void fact(StringBuilder facts, Set<String> wanted, String name, String value) {
        if (wanted.contains(name.toLowerCase(Locale.ROOT))) {
            facts.append(name).append('=').append(value).append(';');
        }
    }

    /** What this account may do with the entry (RFC 3659 section 7.5.5), judged from the file's own permissions. */
    private static String permissionFacts(Path path, boolean directory) {
        boolean readable = Files.isReadable(path);
        boolean writable = Files.isWritable(path);
        Path parent = path.getParent();
        boolean parentWritable = parent != null && Files.isWritable(parent);
        StringBuilder perm = new StringBuilder(8);
        if (directory) {
            if (Files.isExecutable(path)) {
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

    /** {@code (dev=803,ino=1234)} → {@code 803g4d2}, as Pure-FTPd shows it. */
    static String uniqueId(String fileKey) {
        int dev = fileKey.indexOf("dev=");
        int ino = fileKey.indexOf("ino=");
        if (dev < 0 || ino < 0) {
            return Integer.toHexString(fileKey.hashCode());
        }
        String device = fileKey.substring(dev + 4, fileKey.indexOf(',', dev));
        String inode = fileKey.substring(ino + 4, fileKey.indexOf(')', ino));
        try {
            return device + "g" + Long.toHexString(Long.parseLong(inode));
        } catch (NumberFormatException unexpected) {
            return device + "g" + inode;
        }
    }

    private static char typeChar(BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return 'd';
        }
        if (attributes.isSymbolicLink()) {
            return 'l';
        }
        return attributes.isRegularFile() ? '-' : '?';
    }

    private static String permissions(Set<PosixFilePermission> permissions) {
        char[] text = "---------".toCharArray();
        PosixFilePermission[] order = PosixFilePermission.values(); // OWNER_READ … OTHERS_EXECUTE
        String letters = "rwxrwxrwx";
        for (int i = 0; i < order.length; i++) {
            if (permissions.contains(order[i])) {
                text[i] = letters.charAt(i);
            }
        }
        return new String(text);
    }
}
