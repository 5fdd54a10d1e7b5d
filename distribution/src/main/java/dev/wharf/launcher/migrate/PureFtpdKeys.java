package dev.wharf.launcher.migrate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The keys of {@code pure-ftpd.conf} (Pure-FTPd 1.0.50-1.0.54) and of Debian's {@code /etc/pure-ftpd/conf/}. */
final class PureFtpdKeys {

    /** The keys that add a method to the authentication chain, in any order. */
    static final Set<String> AUTH = Set.of("PureDB", "MySQLConfigFile", "PGSQLConfigFile", "LDAPConfigFile",
            "ExtAuth", "UnixAuthentication", "PAMAuthentication");

    /** Yes/no keys. */
    static final Set<String> BOOLEAN = Set.of("AllowAnonymousFXP", "AllowDotFiles", "AllowUserFXP",
            "AnonymousCanCreateDirs", "AnonymousCantUpload", "AnonymousOnly", "AntiWarez", "AutoRename",
            "BrokenClientsCompatibility", "ChrootEveryone", "CreateHomeDir", "CustomerProof", "Daemonize",
            "DisplayDotFiles", "DontResolve", "IPV4Only", "IPV6Only", "KeepAllFiles", "PAMAuthentication",
            "UnixAuthentication", "LogPID", "NATmode", "NoAnonymous", "NoChmod", "NoRename", "NoTruncate",
            "ProhibitDotFilesWrite", "ProhibitDotFilesRead", "CallUploadScript", "VerboseLog");

    private static final Map<String, String> BY_LOWER_CASE = new LinkedHashMap<>();

    static {
        for (String key : List.of("AllowAnonymousFXP", "AllowDotFiles", "AllowUserFXP", "AltLog",
                "AnonymousBandwidth", "AnonymousCanCreateDirs", "AnonymousCantUpload", "AnonymousOnly",
                "AnonymousRatio", "AntiWarez", "AutoRename", "Bind", "Bonjour", "BrokenClientsCompatibility",
                "CallUploadScript", "CertFile", "CertFileAndKey", "ChrootEveryone", "CreateHomeDir", "CustomerProof",
                "Daemonize", "DisplayDotFiles", "DontResolve", "ExtAuth", "ExtCert", "ForcePassiveIP", "FortunesFile",
                "Include", "IPV4Only", "IPV6Only", "KeepAllFiles", "LDAPConfigFile", "LimitRecursion", "LogPID",
                "MaxClientsNumber", "MaxClientsPerIP", "MaxDiskUsage", "MaxIdleTime", "MaxLoad", "MinUID",
                "MySQLConfigFile", "NATmode", "NoAnonymous", "NoChmod", "NoRename", "NoTruncate", "PAMAuthentication",
                "PassivePortRange", "PerUserLimits", "PGSQLConfigFile", "PIDFile", "ProhibitDotFilesRead",
                "ProhibitDotFilesWrite", "PureDB", "Quota", "SyslogFacility", "TLS", "TLSCipherSuite", "TrustedGID",
                "TrustedIP", "Umask", "UnixAuthentication", "UserBandwidth", "UserRatio", "VerboseLog",
                // charset options of Pure-FTPd before 1.0.47; Debian's wrapper still knows (and skips) them
                "FSCharset", "ClientCharset", "FileSystemCharset")) {
            BY_LOWER_CASE.put(key.toLowerCase(Locale.ROOT), key);
        }
    }

    private PureFtpdKeys() {
    }

    /** Pure-FTPd's spelling of {@code key} (keys are case-insensitive), or {@code key} itself when unknown. */
    static String canonical(String key) {
        return BY_LOWER_CASE.getOrDefault(key.toLowerCase(Locale.ROOT), key);
    }

    static boolean isKnown(String key) {
        return BY_LOWER_CASE.containsKey(key.toLowerCase(Locale.ROOT));
    }

    /** Pure-FTPd's booleans: yes/on/true/1 and no/off/false/0, any case; {@code null} for anything else. */
    static Boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "yes", "on", "true", "1" -> Boolean.TRUE;
            case "no", "off", "false", "0" -> Boolean.FALSE;
            default -> null;
        };
    }
}
