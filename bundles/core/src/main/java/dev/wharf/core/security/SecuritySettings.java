package dev.wharf.core.security;

import dev.wharf.core.server.ConfigValues;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Every security-relevant setting of the server and its default, in one place (configuration PID
 * {@code dev.wharf.security}, file {@code etc/dev.wharf.security.cfg}). The defaults are chosen so that a fresh
 * server is safe on the Internet; where Wharf is stricter than Pure-FTPd the comment says so.
 *
 * @param maxConnectionsPerIp        {@code max.per.ip}: connections from one address (Pure-FTPd: unlimited); 0 = no limit
 * @param maxSessionsPerAccount      {@code max.per.user}: logged-in sessions per account, 0 = no limit (a backend's
 *                                   per-account limit applies as well)
 * @param maxLoginFailuresPerSession {@code login.failures.per.session}: failed logins before the session is closed
 * @param loginFailureDelay          {@code login.failure.delay}: milliseconds added per failed attempt in a session
 * @param loginChecksPerIp          {@code login.checks.per.ip}: logins from one address checked at once (password
 *                                   hashes are costly); more wait their turn
 * @param loginCheckWait             {@code login.check.wait}: seconds a login waits for its turn before it gets 421
 * @param banAfterFailures           {@code ban.after.failures}: failed logins from one address within
 *                                   {@code ban.window} that ban it (Pure-FTPd has no ban); 0 = never ban
 * @param banWindow                  {@code ban.window}: seconds over which failures are counted
 * @param banDuration                {@code ban.duration}: seconds a ban lasts
 * @param fxpForEveryone             {@code fxp.enabled}: data connections to/from other hosts than the client
 * @param fxpUsers                   {@code fxp.users}: accounts allowed FXP when it is off for everyone
 * @param anonymousEnabled           {@code anonymous.enabled}: "anonymous"/"ftp" log in without a password
 * @param anonymousRoot              {@code anonymous.root}: the anonymous account's root directory
 * @param anonymousUpload            {@code anonymous.upload}: anonymous users may upload (never overwrite)
 * @param anonymousUid               {@code anonymous.uid}: uid/gid reported for anonymous sessions
 * @param keepAllFiles               {@code keep.all.files}: nobody deletes or overwrites a file (Pure-FTPd -K)
 * @param noRename                   {@code no.rename}: RNFR/RNTO refused (-G)
 * @param noChmod                    {@code no.chmod}: SITE CHMOD refused (-R)
 * @param customerProof              {@code customer.proof}: chmod may not take the owner's read/write away (-Z)
 * @param autorename                 {@code autorename}: an upload onto an existing name is stored as name.1, name.2 …
 * @param dotFilesRead               {@code dotfiles.read}: names starting with a dot may be read (-X when false)
 * @param dotFilesWrite              {@code dotfiles.write}: names starting with a dot may be written (-x when false)
 * @param fileUmask                  {@code umask.files}: octal umask for new files (default 133: rw-r--r--)
 * @param directoryUmask             {@code umask.dirs}: octal umask for new directories (default 022: rwxr-xr-x)
 * @param maxDiskUsagePercent        {@code disk.max.percent}: uploads are refused when the disk is fuller; 100 = off
 * @param uploadFsync                {@code upload.fsync}: each upload reaches the disk (fsync) before it is renamed
 *                                   into place and acknowledged, so a power cut after 226 cannot lose it; off by
 *                                   default, as in Pure-FTPd, because it costs a disk flush per file
 * @param changeDirectoryFailureDelay {@code cwd.failure.delay}: milliseconds the n-th failed CWD in a row waits
 *                                   n-1 times before its 550 (Pure-FTPd's anti directory scan: 100)
 * @param maxChangeDirectoryFailures {@code cwd.failures.max}: failed CWDs in a row that close the session (Pure-FTPd:
 *                                   50); 0 = never
 * @param anonymousOnly              {@code anonymous.only}: every login is anonymous, whatever the user name
 *                                   (Pure-FTPd {@code AnonymousOnly}); implies anonymous logins are on
 * @param trustedIp                  {@code trusted.ip}: when set, non-anonymous logins are accepted only on
 *                                   connections to this local address; on every other one logins are anonymous
 *                                   (Pure-FTPd {@code TrustedIP}); empty = everywhere
 * @param anonymousVirtualHosts      {@code anonymous.virtual.hosts}: a directory whose subdirectories, named after a
 *                                   local address or a host name chosen by HOST, are the anonymous root there
 *                                   (Pure-FTPd's {@code /etc/pure-ftpd/<ip>}); empty = none
 */
public record SecuritySettings(int maxConnectionsPerIp, int maxSessionsPerAccount, int maxLoginFailuresPerSession,
                               Duration loginFailureDelay, int loginChecksPerIp, Duration loginCheckWait,
                               int banAfterFailures, Duration banWindow,
                               Duration banDuration, boolean fxpForEveryone, Set<String> fxpUsers,
                               boolean anonymousEnabled, String anonymousRoot, boolean anonymousUpload,
                               int anonymousUid, boolean keepAllFiles, boolean noRename, boolean noChmod,
                               boolean customerProof, boolean autorename, boolean dotFilesRead,
                               boolean dotFilesWrite, int fileUmask, int directoryUmask, int maxDiskUsagePercent,
                               boolean uploadFsync, Duration changeDirectoryFailureDelay,
                               int maxChangeDirectoryFailures, boolean anonymousOnly, String trustedIp,
                               String anonymousVirtualHosts) {

    public static final String PID = "dev.wharf.security";
    public static final String HOME_VARIABLE = "${wharf.home}";

    public static final SecuritySettings DEFAULTS = from(Map.of());

    public SecuritySettings {
        fxpUsers = Set.copyOf(fxpUsers);
    }

    /**
     * Reads the settings; absent keys take their defaults.
     *
     * @throws ConfigValues.InvalidSettingException for a value that cannot be used, naming its key
     */
    public static SecuritySettings from(Map<String, ?> properties) {
        ConfigValues values = new ConfigValues("Security settings", properties);
        return new SecuritySettings(
                values.integer("max.per.ip", 10, 0, 100_000),
                values.integer("max.per.user", 0, 0, 100_000),
                values.integer("login.failures.per.session", 6, 1, 1000),
                Duration.ofMillis(values.integer("login.failure.delay", 400, 0, 60_000)),
                values.integer("login.checks.per.ip", 1, 1, 1000),
                Duration.ofSeconds(values.integer("login.check.wait", 5, 0, 600)),
                values.integer("ban.after.failures", 10, 0, 100_000),
                Duration.ofSeconds(values.integer("ban.window", 600, 1, 86_400 * 30)),
                Duration.ofSeconds(values.integer("ban.duration", 1800, 1, 86_400 * 365)),
                values.bool("fxp.enabled", false),
                Set.copyOf(values.list("fxp.users")),
                values.bool("anonymous.enabled", false),
                values.string("anonymous.root", HOME_VARIABLE + "/var/ftp/anonymous"),
                values.bool("anonymous.upload", false),
                values.integer("anonymous.uid", 65534, 1, Integer.MAX_VALUE),
                values.bool("keep.all.files", false),
                values.bool("no.rename", false),
                values.bool("no.chmod", false),
                values.bool("customer.proof", false),
                values.bool("autorename", false),
                values.bool("dotfiles.read", true),
                values.bool("dotfiles.write", true),
                values.octal("umask.files", 0133, 0777),
                values.octal("umask.dirs", 0022, 0777),
                values.integer("disk.max.percent", 99, 1, 100),
                values.bool("upload.fsync", false),
                Duration.ofMillis(values.integer("cwd.failure.delay", 100, 0, 10_000)),
                values.integer("cwd.failures.max", 50, 0, 100_000),
                values.bool("anonymous.only", false),
                trustedIp(values),
                values.string("anonymous.virtual.hosts", "").strip());
    }

    /** {@code trusted.ip} as a literal address (never a name: it is compared with each connection's local one). */
    private static String trustedIp(ConfigValues values) {
        String text = values.string("trusted.ip", "").strip();
        if (text.isEmpty()) {
            return "";
        }
        if (!text.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            throw values.invalid("trusted.ip", "an IPv4 or IPv6 address");
        }
        try {
            return java.net.InetAddress.getByName(text).getHostAddress();
        } catch (java.net.UnknownHostException bad) {
            throw values.invalid("trusted.ip", "an IPv4 or IPv6 address");
        }
    }

    /** Whether a login on a connection to {@code localAddress} must be anonymous. */
    public boolean anonymousOnlyOn(java.net.InetAddress localAddress) {
        return anonymousOnly || !trustedIp.isEmpty() && !trustedIp.equals(localAddress.getHostAddress());
    }

    /** Whether {@code account} may use FXP (data connections to or from a host other than its own). */
    public boolean fxpAllowed(String account) {
        return fxpForEveryone || fxpUsers.contains(account);
    }
}
