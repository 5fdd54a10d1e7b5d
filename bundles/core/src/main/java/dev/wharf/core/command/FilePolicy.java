package dev.wharf.core.command;

import dev.wharf.core.fs.ProcessIdentity;
import dev.wharf.core.security.SecuritySettings;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The rules from {@link SecuritySettings} that decide what a session may do with files: anonymous restrictions,
 * dot-file bans, keep-all-files, no-rename, no-chmod, the disk-usage limit and the umasks. Each check replies to
 * the client itself and returns {@code true} when the command must stop.
 */
final class FilePolicy {

    private FilePolicy() {
    }

    private static SecuritySettings settings(FtpSession session) {
        return session.security().settings();
    }

    /** Whether a virtual path has a component starting with a dot. */
    static boolean isDotPath(String virtualPath) {
        return virtualPath.contains("/.");
    }

    /** Dot files are hidden from listings of anonymous sessions and when reading them is banned. */
    static boolean mayListDotFiles(FtpSession session) {
        return !session.anonymous() && settings(session).dotFilesRead();
    }

    /** RETR: dot-file read ban, and anonymous downloads only of approved (world-readable) files. */
    static boolean refuseRead(FtpSession session, String virtualPath, Path file) throws IOException {
        if (isDotPath(virtualPath) && !mayListDotFiles(session)) {
            session.control().reply(550, "Prohibited file name: " + Replies.printable(virtualPath));
            return true;
        }
        if (session.anonymous() && !worldReadable(file)) {
            session.control().reply(550, "This file has been uploaded by an anonymous user. It has not yet been "
                    + "approved for downloading by the site administrators.");
            return true;
        }
        return false;
    }

    /** STOR, APPE, STOU, MKD: anonymous and dot-file rules, overwrite protection and the disk-usage limit. */
    static boolean refuseWrite(FtpSession session, String virtualPath, Path target, boolean overwrites)
            throws IOException {
        SecuritySettings settings = settings(session);
        if (session.anonymous() && !settings.anonymousUpload()) {
            session.control().reply(550, "Anonymous users may not upload");
            return true;
        }
        if (isDotPath(virtualPath) && (session.anonymous() || !settings.dotFilesWrite())) {
            session.control().reply(553, "Prohibited file name: " + Replies.printable(virtualPath));
            return true;
        }
        if (overwrites && !settings.autorename() && (session.anonymous() || settings.keepAllFiles())) {
            session.control().reply(550, session.anonymous() ? "Anonymous users may not overwrite existing files"
                    : "Overwriting existing files is not allowed here");
            return true;
        }
        if (diskTooFull(target.getParent(), settings.maxDiskUsagePercent())) {
            session.control().reply(452, "Disk full - please upload later");
            return true;
        }
        return false;
    }

    /** DELE: anonymous users and keep-all-files. */
    static boolean refuseDelete(FtpSession session) throws IOException {
        if (session.anonymous() || settings(session).keepAllFiles()) {
            session.control().reply(550, "Sorry, but deleting files is not allowed here");
            return true;
        }
        return false;
    }

    /** RMD, RNFR/RNTO, SITE UTIME, MFMT: nothing an anonymous user may change. */
    static boolean refuseAnonymousChange(FtpSession session) throws IOException {
        if (session.anonymous()) {
            session.control().reply(550, "Anonymous users may not change files");
            return true;
        }
        return false;
    }

    static boolean refuseRename(FtpSession session, String targetVirtualPath) throws IOException {
        if (refuseAnonymousChange(session)) {
            return true;
        }
        if (settings(session).noRename()) {
            session.control().reply(550, "Rename/move failure: Operation not permitted");
            return true;
        }
        if (targetVirtualPath != null && isDotPath(targetVirtualPath) && !settings(session).dotFilesWrite()) {
            session.control().reply(553, "Prohibited file name: " + Replies.printable(targetVirtualPath));
            return true;
        }
        return false;
    }

    static boolean refuseChmod(FtpSession session) throws IOException {
        if (session.anonymous()) {
            session.control().reply(550, "Anonymous users can not change perms");
            return true;
        }
        if (settings(session).noChmod()) {
            session.control().reply(550, "Changing permissions is not allowed here");
            return true;
        }
        return false;
    }

    /** Customer-proof mode: the owner always keeps read and write (and search on directories), as with -Z. */
    static int protectOwner(FtpSession session, int mode, boolean directory) {
        if (!settings(session).customerProof()) {
            return mode;
        }
        return mode | (directory ? 0700 : 0600);
    }

    private static final Set<OpenOption> NEW_FILE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    /**
     * Creates a new upload file with the mode the file umask gives it (anonymous uploads stay unreadable to others
     * until approved): set at creation, and changed afterwards only when the process umask has taken bits away (a
     * system call saved per upload otherwise).
     */
    static FileChannel createFile(FtpSession session, Path file) throws IOException {
        int mode = 0666 & ~settings(session).fileUmask();
        if (session.anonymous()) {
            mode &= ~0004;
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, NEW_FILE, PosixFilePermissions.asFileAttribute(permissions(mode)));
        } catch (UnsupportedOperationException noPosix) {
            return FileChannel.open(file, NEW_FILE);
        }
        if ((mode & ProcessIdentity.umask()) != 0) {
            try {
                setMode(file, mode);
            } catch (IOException failure) {
                channel.close();
                throw failure;
            }
        }
        return channel;
    }

    static void applyDirectoryMode(FtpSession session, Path directory) throws IOException {
        setMode(directory, 0777 & ~settings(session).directoryUmask());
    }

    private static void setMode(Path path, int mode) throws IOException {
        try {
            Files.setPosixFilePermissions(path, permissions(mode));
        } catch (UnsupportedOperationException noPosix) {
            // a file system without modes keeps its own
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = PosixFilePermission.values(); // OWNER_READ (0400) … OTHERS_EXECUTE (0001)
        for (int i = 0; i < order.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                permissions.add(order[i]);
            }
        }
        return permissions;
    }

    private static boolean worldReadable(Path file) {
        try {
            return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ);
        } catch (UnsupportedOperationException | IOException noPosix) {
            return true;
        }
    }

    /** The last disk check: fullness changes slowly, and each check costs two statfs calls. */
    private record DiskCheck(Path directory, int maxPercent, long nanos, boolean full) {
    }

    private static volatile DiskCheck lastDiskCheck = new DiskCheck(null, 0, 0, false);
    private static final long DISK_CHECK_NANOS = 1_000_000_000L;

    private static boolean diskTooFull(Path directory, int maxPercent) {
        if (maxPercent >= 100 || directory == null) {
            return false;
        }
        DiskCheck last = lastDiskCheck;
        long now = System.nanoTime();
        if (directory.equals(last.directory()) && maxPercent == last.maxPercent()
                && now - last.nanos() < DISK_CHECK_NANOS) {
            return last.full();
        }
        boolean full = measureDiskTooFull(directory, maxPercent);
        lastDiskCheck = new DiskCheck(directory, maxPercent, now, full);
        return full;
    }

    private static boolean measureDiskTooFull(Path directory, int maxPercent) {
        // statvfs through java.io.File: Files.getFileStore reads the whole mount table, per upload
        java.io.File onDisk = directory.toFile();
        long total = onDisk.getTotalSpace();
        return total > 0 && (total - onDisk.getUsableSpace()) * 100 / total > maxPercent;
    }
}
