package dev.wharf.core.limits;

import dev.wharf.core.server.ConfigValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Quotas, bandwidth and ratios that apply to every account unless its backend gives its own (configuration PID
 * {@code dev.wharf.limits}, file {@code etc/dev.wharf.limits.cfg}); 0 means no limit everywhere. These are
 * Pure-FTPd's {@code Quota}, {@code UserBandwidth}, {@code AnonymousBandwidth}, {@code UserRatio} and
 * {@code AnonymousRatio}, plus a server-wide bandwidth cap Pure-FTPd does not have.
 *
 * @param quotaFiles              {@code quota.files}: files (and directories) per account
 * @param quotaBytes              {@code quota.size}: megabytes per account, stored here in bytes
 * @param uploadBandwidth         {@code bandwidth.upload}: KB/s per session, stored in bytes per second
 * @param downloadBandwidth       {@code bandwidth.download}: KB/s per session
 * @param anonymousUpload         {@code anonymous.bandwidth.upload}: KB/s per anonymous session
 * @param anonymousDownload       {@code anonymous.bandwidth.download}: KB/s per anonymous session
 * @param totalUploadBandwidth    {@code bandwidth.total.upload}: KB/s shared by all sessions together
 * @param totalDownloadBandwidth  {@code bandwidth.total.download}: KB/s shared by all sessions together
 * @param ratioUpload             {@code ratio.upload}: with {@code ratio.download}, downloads may not outgrow
 *                                uploads by more than download:upload within a session
 * @param ratioDownload           {@code ratio.download}
 * @param anonymousRatioUpload    {@code anonymous.ratio.upload}
 * @param anonymousRatioDownload  {@code anonymous.ratio.download}
 */
public record LimitSettings(long quotaFiles, long quotaBytes, long uploadBandwidth, long downloadBandwidth,
                            long anonymousUpload, long anonymousDownload, long totalUploadBandwidth,
                            long totalDownloadBandwidth, int ratioUpload, int ratioDownload,
                            int anonymousRatioUpload, int anonymousRatioDownload) {

    public static final String PID = "dev.wharf.limits";
    public static final LimitSettings NONE = from(Map.of());

    private static final long KB = 1024;
    private static final long MB = 1024 * 1024;
    private static final int MAX_KB_PER_SECOND = 100_000_000;

    /** The limits in force, for the log: only those that are set, e.g. {@code quota 1000 files, download 8 KB/s}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        add(parts, quotaFiles, "quota %d files");
        add(parts, quotaBytes / MB, "quota %d MB");
        add(parts, uploadBandwidth / KB, "upload %d KB/s per session");
        add(parts, downloadBandwidth / KB, "download %d KB/s per session");
        add(parts, anonymousUpload / KB, "anonymous upload %d KB/s");
        add(parts, anonymousDownload / KB, "anonymous download %d KB/s");
        add(parts, totalUploadBandwidth / KB, "upload %d KB/s for the whole server");
        add(parts, totalDownloadBandwidth / KB, "download %d KB/s for the whole server");
        if (ratioUpload > 0 && ratioDownload > 0) {
            parts.add("ratio " + ratioUpload + ":" + ratioDownload);
        }
        if (anonymousRatioUpload > 0 && anonymousRatioDownload > 0) {
            parts.add("anonymous ratio " + anonymousRatioUpload + ":" + anonymousRatioDownload);
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static void add(List<String> parts, long value, String format) {
        if (value > 0) {
            parts.add(String.format(Locale.ROOT, format, value));
        }
    }

    /** @throws ConfigValues.InvalidSettingException for a value that cannot be used, naming its key */
    public static LimitSettings from(Map<String, ?> properties) {
        ConfigValues values = new ConfigValues("Limits", properties);
        return new LimitSettings(
                values.integer("quota.files", 0, 0, Integer.MAX_VALUE),
                values.integer("quota.size", 0, 0, Integer.MAX_VALUE) * MB,
                values.integer("bandwidth.upload", 0, 0, MAX_KB_PER_SECOND) * KB,
                values.integer("bandwidth.download", 0, 0, MAX_KB_PER_SECOND) * KB,
                values.integer("anonymous.bandwidth.upload", 0, 0, MAX_KB_PER_SECOND) * KB,
                values.integer("anonymous.bandwidth.download", 0, 0, MAX_KB_PER_SECOND) * KB,
                values.integer("bandwidth.total.upload", 0, 0, MAX_KB_PER_SECOND) * KB,
                values.integer("bandwidth.total.download", 0, 0, MAX_KB_PER_SECOND) * KB,
                values.integer("ratio.upload", 0, 0, 1_000_000),
                values.integer("ratio.download", 0, 0, 1_000_000),
                values.integer("anonymous.ratio.upload", 0, 0, 1_000_000),
                values.integer("anonymous.ratio.download", 0, 0, 1_000_000));
    }
}
