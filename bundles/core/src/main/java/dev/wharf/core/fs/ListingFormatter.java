package dev.wharf.core.fs;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;

/** Formats directory entries as {@code ls -l} lines, the form FTP clients parse. */
public final class ListingFormatter {

    /** Like ls: entries older than about six months show the year instead of the time. */
    private static final Duration RECENT_WINDOW = Duration.ofDays(180);

    private final ZoneId zone;
    private final Instant now;

    public ListingFormatter(ZoneId zone, Instant now) {
        this.zone = zone;
        this.now = now;
    }

    /** What one stat says about an entry; read once, whatever the listing shows of it. */
    record Stat(boolean directory, boolean regularFile, boolean symbolicLink, int mode, long links, int uid, int gid,
                long size, Instant modified, String uniqueId) {
    }

    /**
     * Everything about {@code path} from one {@code stat} (two attribute reads on a file system without the unix
     * view): listings of 10,000 entries spend their time here.
     */
    static Stat stat(Path path, boolean followLinks) throws IOException {
        return stat(null, path, followLinks);
    }

    /**
     * As {@link #stat(Path, boolean)}; with {@code directory}, an open stream of the entry's parent, the stat is
     * made relative to it: the kernel walks one path component instead of the whole path.
     */
    static Stat stat(SecureDirectoryStream<Path> directory, Path path, boolean followLinks) throws IOException {
        return stat(directory, path, followLinks, true);
    }

    /** As above; without {@code identify} the unique id is left null (LIST never shows it, MLSD when asked). */
    private static Stat stat(SecureDirectoryStream<Path> directory, Path path, boolean followLinks, boolean identify)
            throws IOException {
        LinkOption[] options = followLinks ? NO_OPTIONS : NOFOLLOW;
        if (UnixStatFields.AVAILABLE && path.getFileSystem() == FileSystems.getDefault()) {
            PosixFileAttributeView relative = directory == null ? null
                    : directory.getFileAttributeView(path.getFileName(), PosixFileAttributeView.class, options);
            PosixFileAttributes posix = relative != null ? relative.readAttributes()
                    : Files.readAttributes(path, PosixFileAttributes.class, options);
            if (UnixStatFields.readable(posix)) {
                int mode = UnixStatFields.mode(posix);
                int type = mode & 0170000;
                return new Stat(type == 0040000, type == 0100000, type == 0120000, mode & 07777,
                        UnixStatFields.links(posix), UnixStatFields.uid(posix), UnixStatFields.gid(posix),
                        posix.size(), posix.lastModifiedTime().toInstant(), !identify ? null
                                : Long.toHexString(UnixStatFields.device(posix)) + "g"
                                        + Long.toHexString(UnixStatFields.inode(posix)));
            }
        }
        return statThroughUnixView(path, options);
    }

    private static final LinkOption[] NO_OPTIONS = {};
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** {@link #stat} through the public, slower {@code unix:} view (or the basic one where there is none). */
    static Stat statThroughUnixView(Path path, LinkOption[] options) throws IOException {
        try {
            Map<String, Object> unix = Files.readAttributes(path, UNIX_ATTRIBUTES, options);
            int mode = (Integer) unix.get("mode");
            int type = mode & 0170000;
            return new Stat(type == 0040000, type == 0100000, type == 0120000, mode & 07777,
                    ((Number) unix.get("nlink")).longValue(), (Integer) unix.get("uid"), (Integer) unix.get("gid"),
                    (Long) unix.get("size"), ((FileTime) unix.get("lastModifiedTime")).toInstant(),
                    Long.toHexString((Long) unix.get("dev")) + "g" + Long.toHexString((Long) unix.get("ino")));
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            BasicFileAttributes basic = Files.readAttributes(path, BasicFileAttributes.class, options);
            int mode = basic.isDirectory() ? 0755 : 0644;
            Object key = basic.fileKey();
            return new Stat(basic.isDirectory(), basic.isRegularFile(), basic.isSymbolicLink(), mode, 1, 0, 0,
                    basic.size(), basic.lastModifiedTime().toInstant(),
                    key == null ? null : uniqueId(key.toString()));
        }
    }

    private static final String UNIX_ATTRIBUTES = "unix:mode,nlink,uid,gid,size,lastModifiedTime,dev,ino";

    /** One {@code ls -l} line for {@code path} shown as {@code name}, without the line terminator. */
    public String longFormat(Path path, String name) throws IOException {
        return longFormat(null, path, name);
    }

    /** As {@link #longFormat(Path, String)} for an entry of {@code directory} (an open stream of it, or null). */
    public String longFormat(SecureDirectoryStream<Path> directory, Path path, String name) throws IOException {
        Stat stat = stat(directory, path, false, false);
        StringBuilder line = new StringBuilder(64 + name.length());
        line.append(stat.directory() ? 'd' : stat.symbolicLink() ? 'l' : stat.regularFile() ? '-' : '?');
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
        if (stat.symbolicLink()) {
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
        Path parent = path.getParent();
        return machineFacts(path, type, wanted, parent != null && Files.isWritable(parent));
    }

    /**
     * As {@link #machineFacts(Path, String, Set)}, with the parent's writability (the same for every entry of a
     * directory listing) given by the caller.
     */
    public static String machineFacts(Path path, String type, Set<String> wanted, boolean parentWritable)
            throws IOException {
        return machineFacts(null, path, type, wanted, parentWritable);
    }

    /** As {@link #machineFacts(Path, String, Set, boolean)} for an entry of {@code directory} (open, or null). */
    public static String machineFacts(SecureDirectoryStream<Path> directory, Path path, String type,
                                      Set<String> wanted, boolean parentWritable) throws IOException {
        boolean identify = wanted.contains("unique");
        Stat stat;
        try {
            stat = stat(directory, path, true, identify);
        } catch (IOException dangling) {
            stat = stat(directory, path, false, identify);
        }
        String kind = type != null ? type : stat.directory() ? "dir" : stat.regularFile() ? "file" : "OS.unix=other";
        StringBuilder facts = new StringBuilder(128);
        if (wanted.contains("type")) {
            facts.append("type=").append(kind).append(';');
        }
        if (stat.regularFile() && wanted.contains("size")) {
            facts.append("size=").append(stat.size()).append(';');
        }
        if (wanted.contains("modify")) {
            facts.append("modify=").append(machineTime(stat.modified())).append(';');
        }
        if (wanted.contains("perm")) {
            facts.append("perm=").append(permissionFacts(stat, parentWritable)).append(';');
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

    /**
     * What this account may do with the entry (RFC 3659 section 7.5.5), judged from its mode bits as the kernel
     * would for the server's own user ({@link ProcessIdentity}), without a system call per entry.
     */
    private static String permissionFacts(Stat stat, boolean parentWritable) {
        boolean readable = ProcessIdentity.CURRENT.may(stat, 4);
        boolean writable = ProcessIdentity.CURRENT.may(stat, 2);
        StringBuilder perm = new StringBuilder(8);
        if (stat.directory()) {
            if (ProcessIdentity.CURRENT.may(stat, 1)) {
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
