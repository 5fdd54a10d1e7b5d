package dev.wharf.launcher.migrate;

import dev.wharf.launcher.ConfigFiles;
import dev.wharf.launcher.migrate.ImportPlan.Kind;
import dev.wharf.launcher.migrate.ImportPlan.Unmapped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Pure-FTPd settings into Wharf configuration: one decision per setting, recorded in an {@link ImportPlan}
 * (mapped to keys, nothing to map, or not mapped with the reason). Nothing is written here.
 */
final class ConfMapper {

    static final String LISTENER = "dev.wharf.listener~main";
    static final String SECURITY = "dev.wharf.security";
    static final String LIMITS = "dev.wharf.limits";
    static final String TRANSFER_LOG = "dev.wharf.transferlog";
    static final String PASSWD = "dev.wharf.auth.passwd";
    static final String MYSQL = "dev.wharf.auth.mysql";
    static final String PGSQL = "dev.wharf.auth.pgsql";
    static final String LDAP = "dev.wharf.auth.ldap";
    static final String EXTAUTH = "dev.wharf.auth.extauth";
    static final String UNIX = "dev.wharf.auth.unix";
    static final String PAM = "dev.wharf.auth.pam";
    static final String TLS_FILES = "dev.wharf.tls.files";
    static final String TLS_CERTD = "dev.wharf.tls.certd";
    static final String UPLOAD_SCRIPT = "dev.wharf.hook.uploadscript";
    static final String STORAGE = "dev.wharf.storage.local";

    /** The order files are listed in the report. */
    static final List<String> PID_ORDER = List.of(LISTENER, SECURITY, LIMITS, TRANSFER_LOG, PASSWD, UNIX, PAM, MYSQL,
            PGSQL, LDAP, EXTAUTH, TLS_FILES, TLS_CERTD, UPLOAD_SCRIPT, STORAGE);

    /** Pure-FTPd's certificate when neither CertFile nor CertFileAndKey is given. */
    static final String DEFAULT_CERTIFICATE = "/etc/ssl/private/pure-ftpd.pem";
    /** The FIFO Pure-FTPd writes uploads to and pure-uploadscript reads. */
    static final String UPLOAD_PIPE = "/var/run/pure-ftpd.upload.pipe";

    private static final Pattern ALT_LOG = Pattern.compile("(?i)(clf|stats|w3c|xferlog):(.*)");
    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,9}");
    private static final Pattern TWO_QUOTED = Pattern.compile("\"([^\"]+)\"\\s+\"([^\"]+)\"|(\\S+)\\s+(\\S+)");

    /** A backend of the authentication chain: its Wharf name ({@code wharf.auth.name}), PID and feature. */
    private record Backend(String name, String pid, String feature, String property) {
    }

    private static final Map<String, Backend> BACKENDS = Map.of(
            "PureDB", new Backend("passwd", PASSWD, "auth-passwd", "file"),
            "MySQLConfigFile", new Backend("mysql", MYSQL, "auth-mysql", "config.file"),
            "PGSQLConfigFile", new Backend("pgsql", PGSQL, "auth-pgsql", "config.file"),
            "LDAPConfigFile", new Backend("ldap", LDAP, "auth-ldap", "config.file"),
            "ExtAuth", new Backend("extauth", EXTAUTH, "auth-extauth", "socket"),
            "UnixAuthentication", new Backend("unix", UNIX, "auth-unix", null),
            "PAMAuthentication", new Backend("pam", PAM, "auth-pam", null));

    /** The system account Pure-FTPd serves anonymous users as. */
    record FtpAccount(String name, String home) {
    }

    private final Path systemPasswd;
    private final Set<String> availableFeatures;

    private ImportPlan plan;
    /** The last effective setting of each key. */
    private final Map<String, Setting> last = new HashMap<>();
    /** What the setting being mapped did so far: "file: key = value" parts and remarks. */
    private Map<String, List<String>> effects;
    private List<String> remarks;
    private boolean anonymousOn;
    private FtpAccount ftpAccount;
    /** The chain as it is built, line by line. */
    private final List<String> chain = new ArrayList<>();
    /** The chain as it will be, known before the lines are mapped (MinUID depends on it). */
    private final List<String> plannedChain = new ArrayList<>();
    /** The setting being mapped. */
    private Setting current;

    /**
     * @param systemPasswd      where the system account {@code ftp} is looked up (Pure-FTPd's anonymous user);
     *                          normally {@code /etc/passwd}
     * @param availableFeatures the features this Wharf has ({@code system/features/*.json}), or null when unknown
     */
    ConfMapper(Path systemPasswd, Set<String> availableFeatures) {
        this.systemPasswd = systemPasswd;
        this.availableFeatures = availableFeatures;
    }

    ImportPlan map(PureFtpdConfig config) {
        plan = new ImportPlan(config.source());
        plan.notes.addAll(config.notes());
        List<Setting> effective = new ArrayList<>();
        Map<String, Setting> lastOfGroup = new HashMap<>();
        for (Setting setting : config.settings()) {
            if (config.notInEffect().containsKey(setting)) {
                continue;
            }
            effective.add(setting);
            if (setting.known() && !PureFtpdKeys.AUTH.contains(setting.key()) && !"Include".equals(setting.key())) {
                lastOfGroup.put(group(setting.key()), setting);
                last.put(setting.key(), setting);
            }
        }
        prepareAnonymous();
        for (Setting setting : effective) {
            Backend backend = setting.known() ? BACKENDS.get(setting.key()) : null;
            if (backend != null && !plannedChain.contains(backend.name())
                    && (backend.property() != null || Boolean.TRUE.equals(PureFtpdKeys.bool(setting.value())))
                    && (availableFeatures == null || availableFeatures.contains(backend.feature()))) {
                plannedChain.add(backend.name());
            }
        }
        for (Setting setting : config.settings()) {
            plan.lines.put(setting, null); // keeps the reading order
            effects = new LinkedHashMap<>();
            remarks = new ArrayList<>();
            current = setting;
            String reason = config.notInEffect().get(setting);
            if (reason != null) {
                nothing(reason);
            } else if (setting.key() == null) {
                unmapped(setting, Kind.INVALID, "not a 'Key value' line");
            } else if (!setting.known()) {
                unmapped(setting, Kind.UNKNOWN, "unknown key: not a Pure-FTPd option (Pure-FTPd refuses to start "
                        + "with it)");
            } else if (lastOfGroup.containsKey(group(setting.key()))
                    && lastOfGroup.get(group(setting.key())) != setting) {
                nothing("overridden by " + lastOfGroup.get(group(setting.key())).origin()
                        + " (Pure-FTPd uses the last)");
            } else if (setting.value().isEmpty()) {
                unmapped(setting, Kind.INVALID, "no value");
            } else {
                mapOne(setting);
            }
            plan.lines.put(setting, describe());
        }
        virtualHosts(config.directory());
        directoryAliases(config.directory());
        finish();
        return plan;
    }

    /** CertFile and CertFileAndKey set the same option: the last of either wins. */
    private static String group(String key) {
        return key.equals("CertFileAndKey") ? "CertFile" : key;
    }

    private void mapOne(Setting s) {
        String v = s.value();
        if (PureFtpdKeys.BOOLEAN.contains(s.key()) && PureFtpdKeys.bool(v) == null) {
            unmapped(s, Kind.INVALID, "'" + v + "' is not yes or no");
            return;
        }
        boolean yes = Boolean.TRUE.equals(PureFtpdKeys.bool(v));
        switch (s.key()) {
            // --- connections and limits
            case "Bind" -> bind(s);
            case "IPV4Only", "IPV6Only" -> ipOnly(s, yes);
            case "Daemonize" -> onlyIfYes(yes, s, Kind.ALREADY, "not needed, bin/wharf start runs in the background",
                    "bin/wharf run stays in the foreground, bin/wharf start goes to the background");
            case "PIDFile" -> unmapped(s, Kind.DIFFERS, "bin/wharf keeps the server's pid in var/wharf.pid");
            case "MaxClientsNumber" -> integer(s, 1, 100_000, LISTENER, "max.clients");
            case "MaxClientsPerIP" -> integer(s, 0, 100_000, SECURITY, "max.per.ip");
            case "PerUserLimits" -> perUserLimits(s);
            case "MaxLoad" -> anonymousOnly(s, Kind.DIFFERS, "Wharf does not refuse anonymous downloads when the "
                    + "system load is high");
            case "MaxIdleTime" -> {
                Integer minutes = number(v, 1, 1440);
                if (minutes == null) {
                    unmapped(s, Kind.INVALID, "'" + v + "' is not a number of minutes 1-1440");
                } else {
                    set(LISTENER, "idle.timeout", Integer.toString(minutes * 60));
                    remarks.add("seconds");
                }
            }
            case "LimitRecursion" -> limitRecursion(s);
            case "NATmode" -> onlyIfYes(yes, s, Kind.DIFFERS, "Wharf always offers passive mode (NATmode turned "
                    + "PASV/EPSV off); set passive.address for a NAT instead", "passive mode stays on, as in Wharf");
            case "PassivePortRange" -> passivePorts(s);
            case "ForcePassiveIP" -> {
                if (IPV4.matcher(v).matches()) {
                    set(LISTENER, "passive.address", v);
                } else if (v.matches("[A-Za-z0-9][A-Za-z0-9.-]*") && !v.matches("[0-9.]+")) {
                    set(LISTENER, "passive.address", v);
                    remarks.add("a name, resolved for each connection as in Pure-FTPd");
                } else {
                    unmapped(s, Kind.INVALID, "'" + v + "' is neither an IPv4 address nor a host name");
                }
            }
            case "DontResolve" -> unmapped(s, yes ? Kind.ALREADY : Kind.DIFFERS,
                    "Wharf never resolves names" + (yes ? "" : ": its log shows addresses"));
            // --- access control
            case "ChrootEveryone" -> unmapped(s, yes ? Kind.ALREADY : Kind.DIFFERS, yes
                    ? "always on in Wharf: every account is confined to its home"
                    : "Wharf confines every account to its home; that cannot be turned off");
            case "TrustedGID" -> unmapped(s, Kind.DIFFERS, "Wharf confines every account to its home: there is no "
                    + "trusted group that escapes it (or skips ratios, quotas and dot-file rules)");
            case "NoAnonymous" -> noAnonymous(s, yes);
            case "AnonymousOnly" -> anonymousOnlyLogins(s, yes);
            case "TrustedIP" -> {
                if (IPV4.matcher(v).matches() || v.contains(":")) {
                    set(SECURITY, "trusted.ip", v);
                    remarks.add(anonymousOn ? "logins on other local addresses are anonymous"
                            : "on other local addresses logins are refused: anonymous logins are off");
                } else {
                    unmapped(s, Kind.INVALID, "'" + v + "' is not an IP address");
                }
            }
            case "MinUID" -> minUid(s);
            case "AnonymousCantUpload" -> {
                set(SECURITY, "anonymous.upload", Boolean.toString(!yes));
                if (!anonymousOn) {
                    remarks.add("anonymous logins are off");
                } else if (!yes) {
                    remarks.add("anonymous uploads anywhere under anonymous.root the server may write; they cannot "
                            + "be downloaded until an admin makes them world-readable");
                }
            }
            case "AnonymousCanCreateDirs" -> anonymousCanCreateDirs(s, yes);
            case "AntiWarez" -> anonymousOnly(s, yes ? Kind.ALREADY : Kind.DIFFERS, yes
                    ? "always on in Wharf: anonymous uploads cannot be downloaded until an admin makes them "
                    + "world-readable"
                    : "always on in Wharf (anonymous uploads cannot be downloaded until made world-readable); it "
                    + "cannot be turned off");
            case "ProhibitDotFilesWrite" -> set(SECURITY, "dotfiles.write", Boolean.toString(!yes));
            case "ProhibitDotFilesRead" -> set(SECURITY, "dotfiles.read", Boolean.toString(!yes));
            case "AllowDotFiles" -> {
                if (yes) {
                    anonymousOnly(s, Kind.DIFFERS, "anonymous sessions never read dot files in Wharf");
                } else {
                    nothing("off: anonymous sessions cannot read dot files, as in Wharf");
                }
            }
            case "NoChmod" -> set(SECURITY, "no.chmod", Boolean.toString(yes));
            case "NoRename" -> set(SECURITY, "no.rename", Boolean.toString(yes));
            case "KeepAllFiles" -> {
                set(SECURITY, "keep.all.files", Boolean.toString(yes));
                if (yes) {
                    remarks.add("Wharf also refuses overwriting files, which Pure-FTPd allowed");
                }
            }
            case "CustomerProof" -> set(SECURITY, "customer.proof", Boolean.toString(yes));
            case "AllowUserFXP" -> set(SECURITY, "fxp.enabled", Boolean.toString(yes));
            case "AllowAnonymousFXP" -> {
                if (yes) {
                    anonymousOnly(s, Kind.DIFFERS, "Wharf never allows FXP for anonymous sessions");
                } else {
                    nothing("off: no FXP for anonymous sessions, as in Wharf");
                }
            }
            case "BrokenClientsCompatibility" -> onlyIfYes(yes, s, Kind.DIFFERS,
                    "Wharf has no compatibility mode for broken clients", "off, as in Wharf");
            // --- TLS
            case "TLS" -> tls(s);
            case "TLSCipherSuite" -> unmapped(s, Kind.DIFFERS, "OpenSSL cipher string; Wharf uses JSSE names, set "
                    + "tls.ciphers by hand (Wharf's default: forward-secret AEAD suites, TLS 1.2+)"
                    + (v.startsWith("-C:") ? "; '-C:' (client certificates required): set tls.client.auth = need "
                    + "and tls.client.ca by hand" : ""));
            case "CertFile" -> {
                feature("tls-files");
                set(TLS_FILES, "files", v);
            }
            case "CertFileAndKey" -> {
                Matcher pair = TWO_QUOTED.matcher(v);
                if (!pair.matches()) {
                    unmapped(s, Kind.INVALID, "expected two files: \"certificate\" \"key\"");
                } else {
                    feature("tls-files");
                    set(TLS_FILES, "files", (pair.group(1) != null ? pair.group(1) : pair.group(3)) + ", "
                            + (pair.group(2) != null ? pair.group(2) : pair.group(4)));
                }
            }
            case "ExtCert" -> {
                feature("tls-certd");
                set(TLS_CERTD, "socket", v);
            }
            // --- authentication chain, in order
            case "PureDB", "MySQLConfigFile", "PGSQLConfigFile", "LDAPConfigFile", "ExtAuth",
                 "UnixAuthentication", "PAMAuthentication" -> backend(s, yes);
            // --- transfers and files
            case "Umask" -> umask(s);
            case "NoTruncate" -> {
                if (yes) {
                    set(LISTENER, "upload.mode", "atomic");
                    remarks.add("an upload shows under its name only when complete; a cut one leaves nothing");
                } else {
                    uploadModeWithoutNoTruncate();
                }
            }
            case "AutoRename" -> set(SECURITY, "autorename", Boolean.toString(yes));
            case "MaxDiskUsage" -> integer(s, 1, 100, SECURITY, "disk.max.percent");
            case "CreateHomeDir" -> set(STORAGE, "create.home", Boolean.toString(yes));
            case "DisplayDotFiles" -> onlyIfYes(yes, s, Kind.DIFFERS, "Wharf lists dot files only when the client "
                    + "asks for them (LIST -a), as ls does", "dot files are listed with LIST -a only, as in Wharf");
            case "UserBandwidth" -> bandwidth(s, "bandwidth.");
            case "AnonymousBandwidth" -> bandwidth(s, "anonymous.bandwidth.");
            case "UserRatio" -> ratio(s, "ratio.");
            case "AnonymousRatio" -> ratio(s, "anonymous.ratio.");
            case "Quota" -> {
                int[] pair = pair(v, 0, 999_999_999);
                if (pair == null) {
                    unmapped(s, Kind.INVALID, "expected files:megabytes, e.g. 1000:10");
                } else {
                    set(LIMITS, "quota.files", Integer.toString(pair[0]));
                    set(LIMITS, "quota.size", Integer.toString(pair[1]));
                    remarks.add("quota.size in MB");
                }
            }
            case "CallUploadScript" -> {
                if (yes) {
                    if (feature("uploadscript")) {
                        set(UPLOAD_SCRIPT, "pipe", UPLOAD_PIPE);
                        remarks.add("start pure-uploadscript as before: Wharf writes each upload to its pipe");
                    }
                } else {
                    nothing("off: no upload script");
                }
            }
            // --- logging and display
            case "SyslogFacility" -> {
                if (v.equalsIgnoreCase("none")) {
                    nothing("syslog off: Wharf does not log to syslog either");
                } else {
                    unmapped(s, Kind.DIFFERS, "Wharf does not log to syslog: bin/wharf start logs to "
                            + "var/log/wharf.log, bin/wharf run to the terminal");
                }
            }
            case "LogPID" -> onlyIfYes(yes, s, Kind.ALREADY, "not needed: Wharf is one process, its sessions are "
                    + "threads", "off");
            case "VerboseLog" -> onlyIfYes(yes, s, Kind.DIFFERS, "Wharf does not log every command and reply",
                    "off, as in Wharf");
            case "AltLog" -> altLog(s);
            case "FortunesFile" -> unmapped(s, Kind.DIFFERS, "Wharf has no fortune-cookie greeting");
            case "Bonjour" -> unmapped(s, Kind.DIFFERS, "Wharf does not announce itself over Bonjour (macOS only)");
            case "FSCharset", "ClientCharset", "FileSystemCharset" -> unmapped(s, Kind.ALREADY, "no longer a "
                    + "Pure-FTPd option (charset conversion was removed; Debian's wrapper skips it); Wharf's "
                    + "names are UTF-8");
            case "Include" -> nothing("included");
            default -> unmapped(s, Kind.UNKNOWN, "unknown key");
        }
    }

    // ------------------------------------------------------------------ connections

    private void bind(Setting s) {
        String v = s.value();
        String ip;
        String port;
        int comma = v.indexOf(',');
        if (comma >= 0) { // "ip,port", ",port", "ip,"; without a comma the value is a port, as in Pure-FTPd
            ip = v.substring(0, comma).strip();
            port = v.substring(comma + 1).strip();
        } else {
            ip = "";
            port = v;
        }
        if (ip.startsWith("[") && ip.endsWith("]")) {
            ip = ip.substring(1, ip.length() - 1);
        }
        Integer number = port.isEmpty() ? null : number(port, 1, 65535);
        if (!port.isEmpty() && number == null) {
            unmapped(s, Kind.INVALID, "port '" + port + "' is not a number 1-65535 (Wharf takes no service names)");
            return;
        }
        if (ip.isEmpty() && number == null) {
            unmapped(s, Kind.INVALID, "expected [address][,port], e.g. 127.0.0.1,21");
            return;
        }
        if (!ip.isEmpty()) {
            set(LISTENER, "bind", ip);
        }
        if (number != null) {
            set(LISTENER, "port", Integer.toString(number));
            if (number < 1024) {
                remarks.add("ports below 1024 need root or CAP_NET_BIND_SERVICE for java");
            }
        }
    }

    private boolean bindHasAddress() {
        Setting bind = last.get("Bind");
        return bind != null && bind.value().indexOf(',') > 0;
    }

    private void ipOnly(Setting s, boolean yes) {
        if (!yes) {
            nothing("off: IPv4 and IPv6");
            return;
        }
        boolean v4 = s.key().equals("IPV4Only");
        Setting other = last.get(v4 ? "IPV6Only" : "IPV4Only");
        if (other != null && Boolean.TRUE.equals(PureFtpdKeys.bool(other.value()))) {
            unmapped(s, Kind.INVALID, "IPV4Only and IPV6Only together");
            return;
        }
        if (bindHasAddress()) {
            nothing("Bind names the address (" + last.get("Bind").origin() + ")");
            return;
        }
        set(LISTENER, "bind", v4 ? "0.0.0.0" : "::");
        remarks.add(v4 ? "every IPv4 address" : "every IPv6 address; on a dual-stack host :: also takes IPv4 "
                + "connections");
    }

    private void passivePorts(Setting s) {
        int[] range = pair(s.value(), 0, 65535);
        if (range == null) {
            unmapped(s, Kind.INVALID, "expected two ports, e.g. 30000 50000");
        } else if (range[0] < 1024 || range[0] > range[1]) {
            unmapped(s, Kind.INVALID, "expected first <= last within 1024-65535");
        } else {
            set(LISTENER, "passive.ports", range[0] + "-" + range[1]);
            Setting max = last.get("MaxClientsNumber");
            int half = (range[1] - range[0] + 1) / 2;
            Integer clients = max == null ? Integer.valueOf(50) : number(max.value(), 1, 100_000);
            if (clients != null && clients > half) {
                remarks.add("Pure-FTPd silently lowered MaxClientsNumber to " + half + " (half this range); Wharf "
                        + "does not");
            }
        }
    }

    private void limitRecursion(Setting s) {
        Matcher two = Pattern.compile("(-?\\d+)(?:\\s+|\\s*:\\s*)(-?\\d+)").matcher(s.value());
        if (!two.matches()) {
            unmapped(s, Kind.INVALID, "expected two numbers: files depth, e.g. 10000 5");
        } else if (two.group(1).equals("10000") && two.group(2).equals("5")) {
            unmapped(s, Kind.ALREADY, "Wharf's fixed listing limits are the same: 10000 entries, depth 5");
        } else {
            unmapped(s, Kind.DIFFERS, "Wharf's listing limits are fixed at 10000 entries and depth 5");
        }
    }

    private void perUserLimits(Setting s) {
        int[] pair = pair(s.value(), 0, 100_000);
        if (pair == null) {
            unmapped(s, Kind.INVALID, "expected sessions-per-user:anonymous-sessions, e.g. 3:20");
            return;
        }
        set(SECURITY, "max.per.user", Integer.toString(pair[0]));
        if (anonymousOn) {
            unmapped(s, Kind.DIFFERS, "anonymous part (" + pair[1] + "): Wharf has no limit on the number of "
                    + "anonymous sessions (max.per.ip still applies)");
        } else {
            remarks.add("anonymous part (" + pair[1] + "): nothing to map, anonymous logins are off");
        }
    }

    // ------------------------------------------------------------------ anonymous

    private void prepareAnonymous() {
        ftpAccount = ftpAccount(systemPasswd);
        Setting noAnonymous = last.get("NoAnonymous");
        Setting anonymousOnly = last.get("AnonymousOnly");
        Boolean off = noAnonymous == null ? null : PureFtpdKeys.bool(noAnonymous.value());
        boolean allowedByConf = Boolean.FALSE.equals(off) || off == null && anonymousOnly != null
                && Boolean.TRUE.equals(PureFtpdKeys.bool(anonymousOnly.value()));
        anonymousOn = allowedByConf && ftpAccount != null;
        if (noAnonymous == null && !allowedByConf && ftpAccount != null) {
            plan.unmapped.add(new Unmapped("NoAnonymous", null, Kind.DIFFERS, "Pure-FTPd allowed anonymous logins "
                    + "(there is a system account '" + ftpAccount.name() + "', home " + ftpAccount.home()
                    + "); Wharf keeps them off unless you set anonymous.enabled = true and anonymous.root = "
                    + ftpAccount.home() + " in " + fileName(SECURITY)));
        }
    }

    /** AnonymousOnly (-e): every login becomes anonymous, which needs Pure-FTPd's system account 'ftp'. */
    private void anonymousOnlyLogins(Setting s, boolean yes) {
        if (!yes) {
            nothing("off: accounts log in as themselves, as in Wharf");
        } else if (last.containsKey("NoAnonymous")
                && Boolean.TRUE.equals(PureFtpdKeys.bool(last.get("NoAnonymous").value()))) {
            unmapped(s, Kind.INVALID, "contradicts NoAnonymous yes (Pure-FTPd refuses to start with both)");
        } else if (ftpAccount == null) {
            unmapped(s, Kind.DIFFERS, "there is no system account 'ftp' in " + systemPasswd + ", so Pure-FTPd "
                    + "accepted no login at all; set anonymous.only = true and anonymous.root by hand if wanted");
        } else {
            set(SECURITY, "anonymous.only", "true");
            if (!last.containsKey("NoAnonymous")) {
                enableAnonymous(s);
            }
        }
    }

    private void noAnonymous(Setting s, boolean yes) {
        if (yes) {
            set(SECURITY, "anonymous.enabled", "false");
        } else {
            enableAnonymous(s);
        }
    }

    private void enableAnonymous(Setting s) {
        if (ftpAccount == null) {
            nothing("anonymous logins stay off: there is no system account 'ftp' in " + systemPasswd
                    + ", so Pure-FTPd refused them too");
            return;
        }
        set(SECURITY, "anonymous.enabled", "true");
        set(SECURITY, "anonymous.root", ftpAccount.home());
        remarks.add("the home of the system account '" + ftpAccount.name() + "'");
        plan.notes.add("Anonymous logins are ON, as they were in Pure-FTPd (" + s.origin() + "): read-only from "
                + ftpAccount.home() + " unless anonymous.upload is true; set anonymous.enabled = false in "
                + fileName(SECURITY) + " if that was not intended");
    }

    /** A setting that only concerns anonymous sessions: moot while they are off. */
    private void anonymousOnly(Setting s, Kind kind, String reason) {
        if (anonymousOn) {
            unmapped(s, kind, reason);
        } else {
            nothing("anonymous logins are off");
        }
    }

    private void anonymousCanCreateDirs(Setting s, boolean yes) {
        if (!anonymousOn) {
            nothing("anonymous logins are off");
            return;
        }
        Setting upload = last.get("AnonymousCantUpload");
        boolean uploads = upload != null && Boolean.FALSE.equals(PureFtpdKeys.bool(upload.value()));
        if (uploads == yes) {
            nothing("Wharf lets anonymous sessions create directories exactly when they may upload, as here");
        } else {
            unmapped(s, Kind.DIFFERS, "Wharf lets anonymous sessions create directories exactly when they may "
                    + "upload (anonymous.upload = " + uploads + ")");
        }
    }

    /** The {@code ftp} (or {@code _ftp}) account of a passwd file, or null. */
    static FtpAccount ftpAccount(Path passwd) {
        if (passwd == null) {
            return null;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(passwd);
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
        for (String name : List.of("ftp", "_ftp")) {
            for (String line : lines) {
                String[] fields = line.split(":", -1);
                if (fields.length >= 7 && fields[0].equals(name) && !fields[5].isEmpty()) {
                    return new FtpAccount(name, fields[5]);
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ authentication

    private void backend(Setting s, boolean yes) {
        Backend backend = BACKENDS.get(s.key());
        if (backend.property() == null && !yes) {
            nothing("not in the chain");
            return;
        }
        if (chain.contains(backend.name())) {
            unmapped(s, Kind.DIFFERS, "Wharf has one " + backend.name() + " backend, already configured by an "
                    + "earlier line");
            return;
        }
        if (!feature(backend.feature())) {
            return;
        }
        chain.add(backend.name());
        if (backend.property() == null) {
            remarks.add("auth.order: " + backend.name());
            return;
        }
        if (backend.name().equals("passwd")) {
            Path pdb = Path.of(s.value());
            String name = pdb.getFileName() == null ? "" : pdb.getFileName().toString();
            Path text = pdb.resolveSibling(name.endsWith(".pdb")
                    ? name.substring(0, name.length() - 4) + ".passwd" : "pureftpd.passwd");
            set(PASSWD, "file", text.toString());
            set(PASSWD, "demo.create", "false");
            remarks.add("the .pdb is not used: Wharf reads the pureftpd.passwd beside it and follows its changes, "
                    + "no pure-pw mkdb needed");
            if (!Files.exists(text)) {
                plan.notes.add(text + " does not exist (" + s.origin() + "): Wharf reads pure-pw's text file, not "
                        + "the .pdb; point file in " + fileName(PASSWD) + " at it");
            }
        } else {
            set(backend.pid(), backend.property(), s.value());
        }
        remarks.add("auth.order: " + backend.name());
    }

    private void minUid(Setting s) {
        Integer uid = number(s.value(), 0, Integer.MAX_VALUE - 1);
        if (uid == null) {
            unmapped(s, Kind.INVALID, "'" + s.value() + "' is not a uid");
        } else if (plannedChain.contains("unix") || plannedChain.contains("pam")) {
            if (plannedChain.contains("unix")) {
                set(UNIX, "min.uid", Integer.toString(uid));
            }
            if (plannedChain.contains("pam")) {
                set(PAM, "min.uid", Integer.toString(uid));
            }
            if (plannedChain.stream().anyMatch(name -> !name.equals("unix") && !name.equals("pam"))) {
                remarks.add("Wharf checks it for system accounts only; its other backends refuse uid 0 only");
            }
        } else {
            unmapped(s, Kind.DIFFERS, "Wharf checks a minimum uid only for system accounts (auth-unix, auth-pam), "
                    + "which this configuration does not use; its other backends refuse uid 0 only");
        }
    }

    // ------------------------------------------------------------------ TLS

    private void tls(Setting s) {
        Integer level = number(s.value(), 0, 3);
        if (level == null) {
            unmapped(s, Kind.INVALID, "expected 0, 1, 2 or 3");
            return;
        }
        set(LISTENER, "tls", Integer.toString(level));
        if (level > 0 && last.get("CertFile") == null && last.get("CertFileAndKey") == null) {
            if (feature("tls-files")) {
                set(TLS_FILES, "files", DEFAULT_CERTIFICATE);
                remarks.add("Pure-FTPd's default certificate");
                if (!Files.exists(Path.of(DEFAULT_CERTIFICATE))) {
                    plan.notes.add(DEFAULT_CERTIFICATE + " (Pure-FTPd's certificate for " + s.origin() + ") does not "
                            + "exist here: until it does, Wharf serves its self-signed certificate (tls-files picks "
                            + "the file up when it appears)");
                }
            }
        }
    }

    // ------------------------------------------------------------------ files and transfers

    private void umask(Setting s) {
        Matcher two = Pattern.compile("([0-7]{1,4})(?:\\s+|\\s*:\\s*)([0-7]{1,4})").matcher(s.value());
        if (!two.matches() || Integer.parseInt(two.group(1), 8) > 0777 || Integer.parseInt(two.group(2), 8) > 0777) {
            unmapped(s, Kind.INVALID, "expected two octal umasks files:directories, e.g. 133:022");
            return;
        }
        set(SECURITY, "umask.files", String.format("%03o", Integer.parseInt(two.group(1), 8)));
        set(SECURITY, "umask.dirs", String.format("%03o", Integer.parseInt(two.group(2), 8)));
    }

    /** {@code n} (both ways), {@code up down}, {@code up:down}, {@code :down}, {@code up:} (KB/s; empty = no limit). */
    private void bandwidth(Setting s, String prefix) {
        String v = s.value().strip();
        String up;
        String down;
        if (v.contains(":")) {
            String[] parts = v.split("\\s*:\\s*", -1);
            if (parts.length != 2) {
                up = down = "x";
            } else {
                up = parts[0];
                down = parts[1];
            }
        } else if (v.matches("\\S+\\s+\\S+")) {
            String[] parts = v.split("\\s+");
            up = parts[0];
            down = parts[1];
        } else {
            up = down = v;
        }
        boolean valid = (up.isEmpty() || DIGITS.matcher(up).matches()) && (down.isEmpty()
                || DIGITS.matcher(down).matches()) && !(up.isEmpty() && down.isEmpty());
        if (!valid) {
            unmapped(s, Kind.INVALID, "expected KB/s as n, upload:download, :download or upload:");
            return;
        }
        if (!up.isEmpty()) {
            set(LIMITS, prefix + "upload", Integer.toString(Integer.parseInt(up)));
        }
        if (!down.isEmpty()) {
            set(LIMITS, prefix + "download", Integer.toString(Integer.parseInt(down)));
        }
        remarks.add("KB/s");
    }

    private void ratio(Setting s, String prefix) {
        int[] pair = pair(s.value(), 0, 1_000_000);
        if (pair == null) {
            unmapped(s, Kind.INVALID, "expected upload:download, e.g. 1 10");
            return;
        }
        set(LIMITS, prefix + "upload", Integer.toString(pair[0]));
        set(LIMITS, prefix + "download", Integer.toString(pair[1]));
    }

    private void altLog(Setting s) {
        Matcher matcher = ALT_LOG.matcher(s.value());
        String format = "clf";
        String file = s.value();
        if (matcher.matches()) {
            format = matcher.group(1).toLowerCase(Locale.ROOT);
            file = matcher.group(2).strip();
        } else if (!file.startsWith("/") && file.indexOf(':') > 0) {
            unmapped(s, Kind.INVALID, "unknown format '" + file.substring(0, file.indexOf(':'))
                    + "' (clf, stats, w3c or xferlog)");
            return;
        }
        if (!file.startsWith("/")) {
            unmapped(s, Kind.INVALID, "the log file must be an absolute path, as Pure-FTPd requires");
            return;
        }
        set(TRANSFER_LOG, "format", format);
        set(TRANSFER_LOG, "file", file);
    }

    // ------------------------------------------------------------------ after every line

    /**
     * Pure-FTPd's virtual hosts: a directory named after a local IP address beside the configuration
     * ({@code /etc/pure-ftpd/192.0.2.1}) is the anonymous root for connections to that address.
     */
    private void virtualHosts(Path directory) {
        if (directory == null || !Files.isDirectory(directory)) {
            return;
        }
        List<String> hosts = new ArrayList<>();
        try (java.util.stream.Stream<Path> entries = Files.list(directory)) {
            entries.filter(Files::isDirectory).map(entry -> entry.getFileName().toString())
                    .filter(name -> IPV4.matcher(name).matches() || name.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"))
                    .sorted().forEach(hosts::add);
        } catch (java.io.IOException unreadable) {
            plan.notes.add("Could not look for virtual hosts in " + directory + ": " + unreadable.getMessage());
            return;
        }
        if (hosts.isEmpty()) {
            return;
        }
        plan.put(SECURITY, "anonymous.virtual.hosts", directory.toString());
        plan.notes.add("Virtual hosts " + String.join(", ", hosts) + " in " + directory + ": anonymous sessions on "
                + "those local addresses get their directory as root (anonymous.virtual.hosts = " + directory + ")"
                + (anonymousOn ? "" : "; anonymous logins are off, so they take effect only once they are on"));
    }

    /**
     * Without NoTruncate Pure-FTPd writes uploads in place: a cut upload stays visible, and clients resume it. Wharf
     * keeps it resumable but hidden until complete (atomic-resume): readers never see half a file, and REST/APPE
     * resume as before; {@code direct} is the exact old behaviour.
     */
    private void uploadModeWithoutNoTruncate() {
        set(LISTENER, "upload.mode", "atomic-resume");
        remarks.add("Pure-FTPd wrote uploads in place, so a cut upload stayed visible and could be resumed; "
                + "Wharf keeps a cut upload hidden (.wharf-partial.<name>) and resumable, and shows the file only "
                + "when complete (upload.mode = direct for Pure-FTPd's way)");
    }

    /**
     * Pure-FTPd's directory aliases (--with-diraliases) have no option: the file {@code pureftpd-dir-aliases}
     * beside the configuration is read when it exists, as Pure-FTPd reads its compiled-in path.
     */
    private void directoryAliases(Path directory) {
        if (directory == null) {
            return;
        }
        Path aliases = directory.resolve(ALIASES_FILE);
        if (Files.isRegularFile(aliases)) {
            plan.put(LISTENER, "dir.aliases.file", aliases.toString());
            plan.notes.add("Directory aliases: " + aliases + " (CWD to an alias name, SITE ALIAS) is read at each "
                    + "login (dir.aliases.file in " + fileName(LISTENER) + "); aliases whose directory is outside "
                    + "an account's root are not offered to it");
        }
    }

    /** The file Pure-FTPd's diraliases build reads from its configuration directory. */
    static final String ALIASES_FILE = "pureftpd-dir-aliases";

    private void finish() {
        if (!last.containsKey("NoTruncate")) {
            plan.put(LISTENER, "upload.mode", "atomic-resume");
            plan.differingDefaults.add("NoTruncate: Pure-FTPd wrote uploads in place (a cut upload stayed visible "
                    + "and could be resumed); Wharf shows a file only when complete and keeps a cut upload hidden "
                    + "for resuming (upload.mode = atomic-resume in " + fileName(LISTENER) + "; direct for "
                    + "Pure-FTPd's way)");
        }
        if (!chain.isEmpty()) {
            plan.put(LISTENER, "auth.order", String.join(", ", chain));
            if (!chain.contains("passwd")) {
                plan.featuresRemoved.put("auth-passwd", "Pure-FTPd's chain has no PureDB, and Wharf's own passwd "
                        + "users (its demo account) would be logins Pure-FTPd did not have; bin/wharf feature add "
                        + "auth-passwd brings them back");
            }
        } else {
            boolean named = plan.lines.keySet().stream().anyMatch(s -> s.known()
                    && PureFtpdKeys.AUTH.contains(s.key()) && !plan.lines.get(s).startsWith("nothing to map"));
            plan.notes.add("No authentication method could be mapped" + (!named
                    ? " (the configuration names none: Pure-FTPd then used PAM, or unix accounts without PAM)" : "")
                    + ": Wharf keeps the backends it has (auth-passwd: the users of var/pureftpd.passwd)");
        }
        Setting bind = last.get("Bind");
        boolean ipOnly = isYes("IPV4Only") || isYes("IPV6Only");
        if (bind == null) {
            plan.differingDefaults.add(ipOnly ? "Bind: Pure-FTPd listened on port 21; Wharf's listener uses port "
                    + "2121 until you set port (below 1024 needs root or CAP_NET_BIND_SERVICE for java)"
                    : "Bind: Pure-FTPd listened on every address, port 21; Wharf's listener stays on "
                    + "127.0.0.1:2121 until you set bind (e.g. ::) and port in " + fileName(LISTENER)
                    + " (ports below 1024 need root or CAP_NET_BIND_SERVICE for java)");
        } else {
            // without a comma the value is a port; "ip," names no port
            boolean hasPort = !bind.value().strip().endsWith(",");
            if (!bindHasAddress() && !ipOnly) {
                plan.differingDefaults.add("Bind: Pure-FTPd listened on every address; Wharf's listener stays on "
                        + "127.0.0.1 until you set bind (e.g. ::) in " + fileName(LISTENER));
            }
            if (!hasPort) {
                plan.differingDefaults.add("Bind: Pure-FTPd listened on port 21; Wharf's listener uses port 2121 "
                        + "until you set port");
            }
        }
        if (!last.containsKey("MaxClientsPerIP")) {
            plan.differingDefaults.add("MaxClientsPerIP: Pure-FTPd took any number of connections from one "
                    + "address; Wharf takes 10 (max.per.ip in " + fileName(SECURITY) + ", 0 = no limit)");
        }
        if (!last.containsKey("TLS")) {
            plan.differingDefaults.add("TLS: Pure-FTPd offered none (TLS 0); Wharf offers optional TLS with a "
                    + "self-signed certificate (tls = 1)");
        }
        if (!last.containsKey("CreateHomeDir")) {
            plan.differingDefaults.add("CreateHomeDir: Pure-FTPd refused a login whose home directory was missing; "
                    + "Wharf creates it (create.home in " + fileName(STORAGE) + ")");
        }
        if (!last.containsKey("MaxDiskUsage")) {
            plan.differingDefaults.add("MaxDiskUsage: Pure-FTPd had no limit; Wharf refuses uploads when the disk "
                    + "is more than 99 % full (disk.max.percent)");
        }
        if (!last.containsKey("MinUID") && chain.contains("unix")) {
            plan.differingDefaults.add("MinUID: Pure-FTPd let system accounts with any uid but 0 log in; Wharf's "
                    + "auth-unix refuses uids below 1000 (min.uid in " + fileName(UNIX) + ")");
        }
        if (!last.containsKey("MinUID") && chain.contains("pam")) {
            plan.differingDefaults.add("MinUID: Pure-FTPd let PAM users with any uid log in; Wharf's auth-pam "
                    + "refuses uid 0 and uids below 1000 (min.uid in " + fileName(PAM) + ")");
        }
    }

    private boolean isYes(String key) {
        Setting setting = last.get(key);
        return setting != null && Boolean.TRUE.equals(PureFtpdKeys.bool(setting.value()));
    }

    // ------------------------------------------------------------------ helpers

    private void set(String pid, String key, String value) {
        plan.put(pid, key, value);
        effects.computeIfAbsent(fileName(pid), any -> new ArrayList<>()).add(key + " = " + value);
    }

    /** Adds a feature; false (with the line reported) when this Wharf does not have it. */
    private boolean feature(String name) {
        if (availableFeatures != null && !availableFeatures.contains(name)) {
            remarks.add("not mapped: needs feature '" + name + "', which this Wharf does not have");
            plan.unmapped.add(new Unmapped(current.key(), current.origin(), Kind.DIFFERS, "needs feature '" + name
                    + "', which this Wharf does not have (no system/features/" + name + ".json)"));
            return false;
        }
        if (plan.featuresAdded.add(name)) {
            remarks.add("feature " + name);
        }
        return true;
    }

    private void integer(Setting s, int min, int max, String pid, String key) {
        Integer value = number(s.value(), min, max);
        if (value == null) {
            unmapped(s, Kind.INVALID, "'" + s.value() + "' is not a number " + min + "-" + max);
        } else {
            set(pid, key, Integer.toString(value));
        }
    }

    private void onlyIfYes(boolean yes, Setting s, Kind kind, String reasonWhenYes, String whenNo) {
        if (yes) {
            unmapped(s, kind, reasonWhenYes);
        } else {
            nothing(whenNo);
        }
    }

    private void unmapped(Setting s, Kind kind, String reason) {
        plan.unmapped.add(new Unmapped(s.key() == null ? s.text() : s.key(), s.origin(), kind, reason));
        remarks.add("not mapped: " + reason);
    }

    private void nothing(String reason) {
        remarks.add("nothing to map: " + reason);
    }

    private String describe() {
        List<String> parts = new ArrayList<>();
        effects.forEach((file, settings) -> parts.add(file + ": " + String.join(", ", settings)));
        if (parts.isEmpty()) {
            return String.join("; ", remarks);
        }
        return String.join("; ", parts) + (remarks.isEmpty() ? "" : " (" + String.join("; ", remarks) + ")");
    }

    static String fileName(String pid) {
        return ConfigFiles.fileFor(Path.of("etc"), pid).getFileName().toString();
    }

    static Integer number(String text, int min, int max) {
        String v = text.strip();
        if (!DIGITS.matcher(v).matches()) {
            return null;
        }
        long number = Long.parseLong(v);
        return number >= min && number <= max ? Integer.valueOf((int) number) : null;
    }

    /** Two numbers separated by ':' or spaces (pure-ftpd.conf and Debian's files differ), each within bounds. */
    static int[] pair(String text, int min, int max) {
        String[] parts = text.strip().split("\\s*:\\s*|\\s+|-", -1);
        if (parts.length != 2) {
            return null;
        }
        Integer first = number(parts[0], min, max);
        Integer second = number(parts[1], min, max);
        return first == null || second == null ? null : new int[] {first, second};
    }
}
