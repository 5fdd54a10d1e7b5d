package dev.wharf.core.limits;

import dev.wharf.core.server.ConfigValues;
import dev.wharf.core.server.SettingDefinitions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Quotas, bandwidth and ratios that apply to every account unless its backend gives its own (configuration PID
 * {@code dev.wharf.limits}, file {@code etc/dev.wharf.limits.cfg}; keys declared in {@link Config}); 0 means no
 * limit everywhere. Sizes are kept in bytes and bytes per second here.
 */
public record LimitSettings(long quotaFiles, long quotaBytes, long uploadBandwidth, long downloadBandwidth,
                            long anonymousUpload, long anonymousDownload, long totalUploadBandwidth,
                            long totalDownloadBandwidth, int ratioUpload, int ratioDownload,
                            int anonymousRatioUpload, int anonymousRatioDownload) {

    public static final String PID = "dev.wharf.limits";
    private static final SettingDefinitions DEFINITIONS = SettingDefinitions.load(LimitSettings.class, PID);
    public static final LimitSettings NONE = from(Map.of());

    /**
     * The keys of {@code dev.wharf.limits}: Pure-FTPd's {@code Quota}, {@code UserBandwidth},
     * {@code AnonymousBandwidth}, {@code UserRatio} and {@code AnonymousRatio}, plus a server-wide bandwidth cap
     * Pure-FTPd does not have.
     */
    @ObjectClassDefinition(id = PID, name = "Wharf limits",
            description = "Quotas, bandwidth and ratios for accounts whose backend gives none; 0 = no limit")
    public @interface Config {
        @AttributeDefinition(name = "Quota: files", min = "0", max = "2147483647",
                description = "Files (directories count as files) per account (Pure-FTPd Quota files:MB)")
        int quota_files() default 0;

        @AttributeDefinition(name = "Quota: megabytes", min = "0", max = "2147483647",
                description = "Megabytes per account (Pure-FTPd Quota files:MB)")
        int quota_size() default 0;

        @AttributeDefinition(name = "Upload KB/s per session", min = "0", max = "100000000",
                description = "KB/s per session (Pure-FTPd UserBandwidth)")
        int bandwidth_upload() default 0;

        @AttributeDefinition(name = "Download KB/s per session", min = "0", max = "100000000",
                description = "KB/s per session (Pure-FTPd UserBandwidth)")
        int bandwidth_download() default 0;

        @AttributeDefinition(name = "Anonymous upload KB/s per session", min = "0", max = "100000000",
                description = "KB/s per anonymous session (Pure-FTPd AnonymousBandwidth)")
        int anonymous_bandwidth_upload() default 0;

        @AttributeDefinition(name = "Anonymous download KB/s per session", min = "0", max = "100000000",
                description = "KB/s per anonymous session (Pure-FTPd AnonymousBandwidth)")
        int anonymous_bandwidth_download() default 0;

        @AttributeDefinition(name = "Upload KB/s for the whole server", min = "0", max = "100000000",
                description = "KB/s shared by all sessions of the server")
        int bandwidth_total_upload() default 0;

        @AttributeDefinition(name = "Download KB/s for the whole server", min = "0", max = "100000000",
                description = "KB/s shared by all sessions of the server")
        int bandwidth_total_download() default 0;

        @AttributeDefinition(name = "Ratio: upload part", min = "0", max = "1000000",
                description = "With ratio.download (Pure-FTPd UserRatio ul:dl): a session may download at most dl bytes "
                        + "per ul bytes it uploaded (550 otherwise)")
        int ratio_upload() default 0;

        @AttributeDefinition(name = "Ratio: download part", min = "0", max = "1000000",
                description = "See ratio.upload")
        int ratio_download() default 0;

        @AttributeDefinition(name = "Anonymous ratio: upload part", min = "0", max = "1000000",
                description = "The same for anonymous sessions (Pure-FTPd AnonymousRatio)")
        int anonymous_ratio_upload() default 0;

        @AttributeDefinition(name = "Anonymous ratio: download part", min = "0", max = "1000000",
                description = "See anonymous.ratio.upload")
        int anonymous_ratio_download() default 0;
    }

    private static final long KB = 1024;
    private static final long MB = 1024 * 1024;

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
        ConfigValues values = new ConfigValues("Limits", properties, DEFINITIONS);
        return new LimitSettings(
                values.integer("quota.files"),
                values.integer("quota.size") * MB,
                values.integer("bandwidth.upload") * KB,
                values.integer("bandwidth.download") * KB,
                values.integer("anonymous.bandwidth.upload") * KB,
                values.integer("anonymous.bandwidth.download") * KB,
                values.integer("bandwidth.total.upload") * KB,
                values.integer("bandwidth.total.download") * KB,
                values.integer("ratio.upload"),
                values.integer("ratio.download"),
                values.integer("anonymous.ratio.upload"),
                values.integer("anonymous.ratio.download"));
    }
}
