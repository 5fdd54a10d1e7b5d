package dev.wharf.core.security;

import dev.wharf.core.server.ConfigValues;
import dev.wharf.core.server.SettingDefinitions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Every security-relevant setting of the server, read from configuration PID {@code dev.wharf.security} (file
 * {@code etc/dev.wharf.security.cfg}). Each key, its type, default and range is declared once, in {@link Config};
 * the defaults are chosen so that a fresh server is safe on the Internet, and where Wharf is stricter than
 * Pure-FTPd the description says so. A listener may override the keys in {@link SecurityPolicy#PER_LISTENER_KEYS}
 * with {@code security.<key>}.
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
    private static final SettingDefinitions DEFINITIONS = SettingDefinitions.load(SecuritySettings.class, PID);

    /** The keys of {@code dev.wharf.security}: the one declaration of each, its type, default and range. */
    @ObjectClassDefinition(id = PID, name = "Wharf security",
            description = "Limits per address and account, login failures and bans, FXP, anonymous access, what "
                    + "sessions may change, umasks and full disks. Server-wide; a listener overrides some with "
                    + "security.<key>.")
    public @interface Config {
        @AttributeDefinition(name = "Connections per address", min = "0", max = "100000",
                description = "Connections from one address (421 Too many connections; Pure-FTPd: unlimited); 0 = no "
                        + "limit")
        int max_per_ip() default 10;

        @AttributeDefinition(name = "Sessions per account", min = "0", max = "100000",
                description = "Logged-in sessions per account; 0 = no limit (a backend's own per-account limit also "
                        + "applies)")
        int max_per_user() default 0;

        @AttributeDefinition(name = "Login failures per session", min = "1", max = "1000",
                description = "Failed logins before the session is closed; each failure waits longer")
        int login_failures_per_session() default 6;

        @AttributeDefinition(name = "Delay per login failure (ms)", min = "0", max = "60000",
                description = "Milliseconds per failed attempt of the session: a failed login is answered that long "
                        + "after its PASS (times the session's failures), and never sooner than the slowest recent "
                        + "password check, so a wrong password for a real user and any password for an unknown one "
                        + "take the same time")
        int login_failure_delay() default 400;

        @AttributeDefinition(name = "Login checks per address", min = "1", max = "1000",
                description = "Logins from one address whose passwords are checked at once; others wait their turn (one "
                        + "address cannot fill the password-hashing queue everyone shares)")
        int login_checks_per_ip() default 1;

        @AttributeDefinition(name = "Login check wait (s)", min = "0", max = "600",
                description = "Seconds a login waits for its turn to be checked, then 421")
        int login_check_wait() default 5;

        @AttributeDefinition(name = "Ban after failures", min = "0", max = "100000",
                description = "Failed logins from one address within ban.window that ban it: it is refused at connect "
                        + "for ban.duration and its other connections that have not logged in are closed; a failure "
                        + "counts the moment it is known. wharf:bans / wharf:unban list and lift bans (Pure-FTPd "
                        + "has no ban); 0 = never ban")
        int ban_after_failures() default 10;

        @AttributeDefinition(name = "Ban window (s)", min = "1", max = "2592000",
                description = "Seconds over which failed logins are counted")
        int ban_window() default 600;

        @AttributeDefinition(name = "Ban duration (s)", min = "1", max = "31536000",
                description = "Seconds a ban lasts")
        int ban_duration() default 1800;

        @AttributeDefinition(name = "FXP for everyone",
                description = "Allow data connections to and from hosts other than the client's own address (FXP, "
                        + "site-to-site) for everyone")
        boolean fxp_enabled() default false;

        @AttributeDefinition(name = "FXP users", required = false,
                description = "Accounts allowed FXP when it is off for everyone, comma-separated")
        String fxp_users() default "";

        @AttributeDefinition(name = "Anonymous logins",
                description = "anonymous and ftp log in without a password, confined to anonymous.root, read-only "
                        + "unless anonymous.upload, no dot files")
        boolean anonymous_enabled() default false;

        @AttributeDefinition(name = "Anonymous root",
                description = "The anonymous account's root directory")
        String anonymous_root() default HOME_VARIABLE + "/var/ftp/anonymous";

        @AttributeDefinition(name = "Anonymous uploads",
                description = "Anonymous uploads allowed (never overwriting); they stay undownloadable until an admin "
                        + "makes them world-readable")
        boolean anonymous_upload() default false;

        @AttributeDefinition(name = "Anonymous uid", min = "1", max = "2147483647",
                description = "uid and gid anonymous sessions act as and report")
        int anonymous_uid() default 65534;

        @AttributeDefinition(name = "Keep all files",
                description = "Nobody deletes or overwrites a file (Pure-FTPd -K)")
        boolean keep_all_files() default false;

        @AttributeDefinition(name = "No rename",
                description = "RNFR/RNTO refused (Pure-FTPd -G)")
        boolean no_rename() default false;

        @AttributeDefinition(name = "No chmod",
                description = "SITE CHMOD refused (Pure-FTPd -R)")
        boolean no_chmod() default false;

        @AttributeDefinition(name = "Customer proof",
                description = "SITE CHMOD never takes the owner's read or write away (Pure-FTPd -Z)")
        boolean customer_proof() default false;

        @AttributeDefinition(name = "Autorename",
                description = "An upload onto an existing name is stored as name.1, name.2 … instead")
        boolean autorename() default false;

        @AttributeDefinition(name = "Dot files readable",
                description = "Names that start with a dot may be read (Pure-FTPd -X when false)")
        boolean dotfiles_read() default true;

        @AttributeDefinition(name = "Dot files writable",
                description = "Names that start with a dot may be written (Pure-FTPd -x when false)")
        boolean dotfiles_write() default true;

        @AttributeDefinition(name = "File umask",
                description = "Octal umask of new files (133: rw-r--r--)")
        String umask_files() default "133";

        @AttributeDefinition(name = "Directory umask",
                description = "Octal umask of new directories (022: rwxr-xr-x)")
        String umask_dirs() default "022";

        @AttributeDefinition(name = "Disk full at (%)", min = "1", max = "100",
                description = "Uploads are refused (452) once the disk is this full (used, reserved blocks included, >= "
                        + "this percentage); 100 = off")
        int disk_max_percent() default 99;

        @AttributeDefinition(name = "fsync uploads",
                description = "Flush each upload to disk before it is renamed into place and acknowledged, so a power "
                        + "cut after 226 cannot lose it (off as in Pure-FTPd: it costs a disk flush per file)")
        boolean upload_fsync() default false;

        @AttributeDefinition(name = "Failed CWD delay (ms)", min = "0", max = "10000",
                description = "Anti directory scan, as in Pure-FTPd: the n-th failed CWD in a row is answered after n-1 "
                        + "times this many milliseconds; a successful CWD starts the count again")
        int cwd_failure_delay() default 100;

        @AttributeDefinition(name = "Failed CWDs that end a session", min = "0", max = "100000",
                description = "The failed CWD in a row that ends the session (421); 0 = never")
        int cwd_failures_max() default 50;

        @AttributeDefinition(name = "Anonymous only",
                description = "Every login is anonymous, whatever the user name and password (Pure-FTPd's "
                        + "AnonymousOnly); turns anonymous logins on by itself")
        boolean anonymous_only() default false;

        @AttributeDefinition(name = "Trusted address", required = false,
                description = "When set (an IP address), accounts log in only on connections to this local address; on "
                        + "every other one each login is anonymous, or refused (530) while anonymous logins are off "
                        + "(Pure-FTPd's TrustedIP); empty = everywhere")
        String trusted_ip() default "";

        @AttributeDefinition(name = "Anonymous virtual hosts", required = false,
                description = "A directory of virtual hosts: its subdirectory named after the local address a client "
                        + "connected to (127.0.0.2), or after the name the client chose with HOST (RFC 7151, before "
                        + "USER), is the anonymous root there instead of anonymous.root, as Pure-FTPd's "
                        + "/etc/pure-ftpd/<ip>; with it set, HOST with a name it has no directory for gets 504; "
                        + "empty = none")
        String anonymous_virtual_hosts() default "";
    }

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
        ConfigValues values = new ConfigValues("Security settings", properties, DEFINITIONS);
        return new SecuritySettings(
                values.integer("max.per.ip"),
                values.integer("max.per.user"),
                values.integer("login.failures.per.session"),
                Duration.ofMillis(values.integer("login.failure.delay")),
                values.integer("login.checks.per.ip"),
                Duration.ofSeconds(values.integer("login.check.wait")),
                values.integer("ban.after.failures"),
                Duration.ofSeconds(values.integer("ban.window")),
                Duration.ofSeconds(values.integer("ban.duration")),
                values.bool("fxp.enabled"),
                Set.copyOf(values.listOrDefault("fxp.users")),
                values.bool("anonymous.enabled"),
                values.string("anonymous.root"),
                values.bool("anonymous.upload"),
                values.integer("anonymous.uid"),
                values.bool("keep.all.files"),
                values.bool("no.rename"),
                values.bool("no.chmod"),
                values.bool("customer.proof"),
                values.bool("autorename"),
                values.bool("dotfiles.read"),
                values.bool("dotfiles.write"),
                values.octal("umask.files", 0777),
                values.octal("umask.dirs", 0777),
                values.integer("disk.max.percent"),
                values.bool("upload.fsync"),
                Duration.ofMillis(values.integer("cwd.failure.delay")),
                values.integer("cwd.failures.max"),
                values.bool("anonymous.only"),
                trustedIp(values),
                values.string("anonymous.virtual.hosts").strip());
    }

    /** {@code trusted.ip} as a literal address (never a name: it is compared with each connection's local one). */
    private static String trustedIp(ConfigValues values) {
        String text = values.string("trusted.ip").strip();
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
