package dev.wharf.api.auth;

/**
 * Per-account limits carried from the backend to the core; 0 means "no limit" for every field.
 *
 * @param quotaFiles        maximum number of files under the root
 * @param quotaBytes        maximum total size of the files under the root, in bytes
 * @param uploadBandwidth   upload throttle in bytes per second
 * @param downloadBandwidth download throttle in bytes per second
 * @param uploadRatio       upload part of an upload:download ratio
 * @param downloadRatio     download part of an upload:download ratio
 * @param maxSessions       maximum concurrent sessions of this account
 */
public record AccountLimits(long quotaFiles, long quotaBytes, long uploadBandwidth, long downloadBandwidth,
                            int uploadRatio, int downloadRatio, int maxSessions) {

    /** No limits at all. */
    public static final AccountLimits NONE = new AccountLimits(0, 0, 0, 0, 0, 0, 0);

    public AccountLimits {
        if (quotaFiles < 0 || quotaBytes < 0 || uploadBandwidth < 0 || downloadBandwidth < 0 || uploadRatio < 0
                || downloadRatio < 0 || maxSessions < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }
}
