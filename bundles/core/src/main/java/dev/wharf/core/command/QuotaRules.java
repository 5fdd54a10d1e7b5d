package dev.wharf.core.command;

import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.WriteMode;
import dev.wharf.core.limits.QuotaExceededException;
import dev.wharf.core.limits.QuotaFile;
import dev.wharf.core.limits.QuotaFile.Usage;
import dev.wharf.core.limits.SessionLimits;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;

/**
 * Pure-FTPd's virtual quotas as the commands apply them: checked before an upload (no room left), during it (the
 * transfer stops at the allowance), and when it is put in place, under the quota lock, so that parallel sessions
 * of one account cannot overshoot together. MKD counts as a file; DELE, RMD and RNTO over a file give back.
 */
final class QuotaRules {

    /** A file operation that runs while the account's usage is locked. */
    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    private QuotaRules() {
    }

    static boolean applies(FtpSession session) {
        return session.limits().hasQuota();
    }

    /** Quota users may not touch the quota file nor Pure-FTPd's temporary names: 553. */
    static boolean refuseName(FtpSession session, String virtualPath) throws IOException {
        if (!applies(session)) {
            return false;
        }
        String name = virtualPath.substring(virtualPath.lastIndexOf('/') + 1);
        if (virtualPath.contains(QuotaFile.FILE_NAME) || name.startsWith(".pureftpd-")
                || name.startsWith(QuotaFile.UPLOAD_TEMP_PREFIX)) {
            session.control().reply(553, "Prohibited file name: " + Replies.printable(virtualPath));
            return true;
        }
        return false;
    }

    /**
     * Before an upload: the bytes it may bring ({@link Long#MAX_VALUE} without a size quota), or -1 after a 552
     * when there is no room at all.
     *
     * @param newFile    whether the upload adds a file (rather than replacing or extending one)
     * @param freedBytes bytes the upload will replace (the old file's size, or what REST cuts off)
     */
    static long startUpload(FtpSession session, String displayName, boolean newFile, long freedBytes)
            throws IOException {
        if (!applies(session)) {
            return Long.MAX_VALUE;
        }
        SessionLimits limits = session.limits();
        Usage usage = QuotaFile.read(session.runtime().quotaLocks(), session.files().storage());
        if ((newFile && limits.quotaFiles() > 0 && usage.files() >= limits.quotaFiles())
                || (limits.quotaBytes() > 0 && usage.bytes() - freedBytes >= limits.quotaBytes())) {
            session.control().reply(552, "Quota exceeded: [" + Replies.printable(displayName) + "] won't be saved");
            return -1;
        }
        return limits.quotaBytes() > 0 ? limits.quotaBytes() - usage.bytes() + freedBytes : Long.MAX_VALUE;
    }

    /**
     * Puts a finished new upload in place with {@code place} and counts it; when it no longer fits (another
     * session used the room meanwhile) nothing is placed and {@link QuotaExceededException} is thrown.
     *
     * @param target the name the upload replaces if it exists (not for autorename or STOU, which never replace)
     */
    static void placeUpload(FtpSession session, PendingUpload written, String target, boolean mayReplace,
                            Action place) throws IOException {
        if (!applies(session)) {
            place.run();
            return;
        }
        SessionLimits limits = session.limits();
        long size = written.size();
        Storage storage = session.files().storage();
        QuotaFile.update(session.runtime().quotaLocks(), storage, usage -> {
            FileInfo old = mayReplace ? storage.lstatIfExists(target) : null;
            boolean replaces = old != null && old.isFile();
            long replaced = replaces ? old.size() : 0;
            Usage after = usage.plus(replaces ? 0 : 1, size - replaced);
            if (after.exceeds(limits) && (size > replaced || !replaces)) {
                throw new QuotaExceededException("no room left for the upload");
            }
            place.run();
            return after;
        });
    }

    /**
     * Counts an append or resumed upload written in place. If it went over the quota (parallel sessions), the file
     * is cut back to {@code keepLength} and {@link QuotaExceededException} is thrown after counting what stays.
     */
    static void countInPlace(FtpSession session, String file, boolean existedBefore, long lengthBefore,
                             long keepLength) throws IOException {
        if (!applies(session)) {
            return;
        }
        SessionLimits limits = session.limits();
        boolean[] cut = {false};
        Storage storage = session.files().storage();
        QuotaFile.update(session.runtime().quotaLocks(), storage, usage -> {
            FileInfo now = storage.lstatIfExists(file);
            long length = now == null ? 0 : now.size();
            Usage after = usage.plus(existedBefore ? 0 : 1, length - lengthBefore);
            if (after.exceeds(limits) && length > keepLength) {
                truncate(storage, file, keepLength);
                cut[0] = true;
                after = usage.plus(existedBefore ? 0 : 1, keepLength - lengthBefore);
            }
            return after;
        });
        if (cut[0]) {
            throw new QuotaExceededException("the upload went over the quota");
        }
    }

    /** Cuts an in-place upload that was stopped for its quota back to what was there before. */
    static void truncate(Storage storage, String file, long length) throws IOException {
        storage.openWrite(file, WriteMode.AT_OFFSET, length, 0).close();
    }

    /** MKD: 552 when the file count is full; else creates the directory (inside the lock) and counts it. */
    static boolean makeDirectory(FtpSession session, String displayName, Action create) throws IOException {
        if (!applies(session)) {
            create.run();
            return true;
        }
        SessionLimits limits = session.limits();
        boolean[] made = {false};
        QuotaFile.update(session.runtime().quotaLocks(), session.files().storage(), usage -> {
            if (limits.quotaFiles() > 0 && usage.files() >= limits.quotaFiles()) {
                return usage;
            }
            create.run();
            made[0] = true;
            return usage.plus(1, 0);
        });
        if (!made[0]) {
            session.control().reply(552, "Quota exceeded: [" + Replies.printable(displayName) + "] won't be created");
        }
        return made[0];
    }

    /**
     * DELE, RMD, and RNTO onto an existing name: runs {@code remove} inside the lock and gives back what
     * {@code gone} (if it exists now: a file, or a directory counting as one file) used.
     */
    static void removing(FtpSession session, String gone, Action remove) throws IOException {
        if (!applies(session)) {
            remove.run();
            return;
        }
        Storage storage = session.files().storage();
        QuotaFile.update(session.runtime().quotaLocks(), storage, usage -> {
            long files = 0;
            long bytes = 0;
            FileInfo entry = storage.lstatIfExists(gone);
            if (entry != null && entry.isFile()) {
                files = 1;
                bytes = entry.size();
            } else if (entry != null && entry.isDirectory()) {
                files = 1;
            }
            remove.run();
            return usage.plus(-files, -bytes);
        });
    }

    /** The 230 line about the quota, or {@code null} when the account has none. */
    static String loginLine(FtpSession session) {
        if (!applies(session)) {
            return null;
        }
        SessionLimits limits = session.limits();
        try {
            Usage usage = QuotaFile.read(session.runtime().quotaLocks(), session.files().storage());
            double percent = Math.max(
                    limits.quotaFiles() > 0 ? 100.0 * usage.files() / limits.quotaFiles() : 0,
                    limits.quotaBytes() > 0 ? 100.0 * usage.bytes() / limits.quotaBytes() : 0);
            return String.format(java.util.Locale.ROOT, "Quota: %.1f%% used (%d%s files, %d%s KB)", percent,
                    usage.files(), limits.quotaFiles() > 0 ? "/" + limits.quotaFiles() : "",
                    (usage.bytes() + 1023) / 1024, limits.quotaBytes() > 0 ? "/" + limits.quotaBytes() / 1024 : "");
        } catch (IOException unreadable) {
            return "Quota: usage unknown (" + Replies.reason(unreadable) + ")";
        }
    }
}
