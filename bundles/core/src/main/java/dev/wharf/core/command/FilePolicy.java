package dev.wharf.core.command;

import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Space;
import dev.wharf.api.storage.Storage;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.security.SecuritySettings;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;

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
    static boolean refuseRead(FtpSession session, String virtualPath, FileInfo file) throws IOException {
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
    static boolean refuseWrite(FtpSession session, String virtualPath, boolean overwrites) throws IOException {
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
        if (diskTooFull(session.files().storage(), ConfinedFileSystem.parentOf(virtualPath),
                settings.maxDiskUsagePercent())) {
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

    /** The mode of a new upload: the file umask's (anonymous uploads stay unreadable to others until approved). */
    static int fileMode(FtpSession session) {
        int mode = 0666 & ~settings(session).fileUmask();
        return session.anonymous() ? mode & ~0004 : mode;
    }

    /** The mode of a new directory: the directory umask's. */
    static int directoryMode(FtpSession session) {
        return 0777 & ~settings(session).directoryUmask();
    }

    private static boolean worldReadable(FileInfo file) {
        return (file.mode() & 0004) != 0;
    }

    /** The last disk check: fullness changes slowly, and each check costs two statfs calls. */
    private record DiskCheck(String storage, int maxPercent, long nanos, boolean full) {
    }

    private static volatile DiskCheck lastDiskCheck = new DiskCheck(null, 0, 0, false);
    private static final long DISK_CHECK_NANOS = 1_000_000_000L;

    private static boolean diskTooFull(Storage storage, String directory, int maxPercent) {
        if (maxPercent >= 100) {
            return false;
        }
        DiskCheck last = lastDiskCheck;
        long now = System.nanoTime();
        if (storage.key().equals(last.storage()) && maxPercent == last.maxPercent()
                && now - last.nanos() < DISK_CHECK_NANOS) {
            return last.full();
        }
        boolean full = measureDiskTooFull(storage, directory, maxPercent);
        lastDiskCheck = new DiskCheck(storage.key(), maxPercent, now, full);
        return full;
    }

    /** Full from the configured percentage on: {@code used / total >= max}, in exact integer arithmetic. */
    static boolean measureDiskTooFull(Storage storage, String directory, int maxPercent) {
        try {
            Space space = storage.space(directory);
            long total = space.total();
            return total > 0 && (total - space.usable()) * 100 >= (long) maxPercent * total;
        } catch (IOException unknown) {
            return false;
        }
    }
}
