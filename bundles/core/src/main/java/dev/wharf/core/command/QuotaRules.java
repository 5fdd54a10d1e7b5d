package dev.wharf.core.command;

import dev.wharf.core.limits.QuotaExceededException;
import dev.wharf.core.limits.QuotaFile;
import dev.wharf.core.limits.QuotaFile.Usage;
import dev.wharf.core.limits.SessionLimits;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
        Usage usage = QuotaFile.read(session.files().root());
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
    static void placeUpload(FtpSession session, Path written, Path target, boolean mayReplace, Action place)
            throws IOException {
        if (!applies(session)) {
            place.run();
            return;
        }
        SessionLimits limits = session.limits();
        long size = Files.size(written);
        QuotaFile.update(session.files().root(), usage -> {
            boolean replaces = mayReplace && Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS);
            long replaced = replaces ? Files.size(target) : 0;
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
    static void countInPlace(FtpSession session, Path file, boolean existedBefore, long lengthBefore,
                             long keepLength) throws IOException {
        if (!applies(session)) {
            return;
        }
        SessionLimits limits = session.limits();
        boolean[] cut = {false};
        QuotaFile.update(session.files().root(), usage -> {
            long length = Files.size(file);
            Usage after = usage.plus(existedBefore ? 0 : 1, length - lengthBefore);
            if (after.exceeds(limits) && length > keepLength) {
                truncate(file, keepLength);
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
    static void truncate(Path file, long length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            channel.truncate(length);
        }
    }

    /** MKD: 552 when the file count is full; else creates the directory (inside the lock) and counts it. */
    static boolean makeDirectory(FtpSession session, String displayName, Action create) throws IOException {
        if (!applies(session)) {
            create.run();
            return true;
        }
        SessionLimits limits = session.limits();
        boolean[] made = {false};
        QuotaFile.update(session.files().root(), usage -> {
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
    static void removing(FtpSession session, Path gone, Action remove) throws IOException {
        if (!applies(session)) {
            remove.run();
            return;
        }
        QuotaFile.update(session.files().root(), usage -> {
            long files = 0;
            long bytes = 0;
            if (Files.isRegularFile(gone, LinkOption.NOFOLLOW_LINKS)) {
                files = 1;
                bytes = Files.size(gone);
            } else if (Files.isDirectory(gone, LinkOption.NOFOLLOW_LINKS)) {
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
            Usage usage = QuotaFile.read(session.files().root());
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
