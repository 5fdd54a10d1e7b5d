package dev.wharf.core.limits;

import dev.wharf.api.auth.AccountLimits;

/**
 * The limits one logged-in session works under: the account's own values where its backend gave them, the
 * server's defaults otherwise. Anonymous sessions get the anonymous bandwidth and ratio and never a quota (as in
 * Pure-FTPd).
 *
 * @param quotaFiles        0 = no file-count quota
 * @param quotaBytes        0 = no size quota
 * @param uploadBandwidth   bytes per second, 0 = unthrottled
 * @param downloadBandwidth bytes per second, 0 = unthrottled
 * @param ratioUpload       0 (or {@code ratioDownload} 0) = no ratio
 * @param ratioDownload     see {@code ratioUpload}
 */
public record SessionLimits(long quotaFiles, long quotaBytes, long uploadBandwidth, long downloadBandwidth,
                            int ratioUpload, int ratioDownload) {

    public static final SessionLimits NONE = new SessionLimits(0, 0, 0, 0, 0, 0);

    public static SessionLimits of(AccountLimits account, LimitSettings defaults, boolean anonymous) {
        if (anonymous) {
            return new SessionLimits(0, 0, defaults.anonymousUpload(), defaults.anonymousDownload(),
                    defaults.anonymousRatioUpload(), defaults.anonymousRatioDownload());
        }
        boolean ownRatio = account.uploadRatio() > 0 && account.downloadRatio() > 0;
        return new SessionLimits(
                either(account.quotaFiles(), defaults.quotaFiles()),
                either(account.quotaBytes(), defaults.quotaBytes()),
                either(account.uploadBandwidth(), defaults.uploadBandwidth()),
                either(account.downloadBandwidth(), defaults.downloadBandwidth()),
                ownRatio ? account.uploadRatio() : defaults.ratioUpload(),
                ownRatio ? account.downloadRatio() : defaults.ratioDownload());
    }

    private static long either(long own, long fallback) {
        return own > 0 ? own : fallback;
    }

    public boolean hasQuota() {
        return quotaFiles > 0 || quotaBytes > 0;
    }

    public boolean hasRatio() {
        return ratioUpload > 0 && ratioDownload > 0;
    }

    /**
     * Whether a download of {@code bytes} more would break the ratio: after it, downloaded/download must not
     * exceed uploaded/upload (Pure-FTPd's rule, counted per session).
     */
    public boolean ratioRefuses(long uploaded, long downloaded, long bytes) {
        if (!hasRatio()) {
            return false;
        }
        // in doubles: byte counts times ratio terms can overflow a long; exact for every realistic size
        return (double) (downloaded + bytes) * ratioUpload > (double) uploaded * ratioDownload;
    }
}
