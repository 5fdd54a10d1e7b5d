package dev.wharf.core.activity;

import dev.wharf.core.server.ConfigValues;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code etc/dev.wharf.syslog.cfg}: where Pure-FTPd-style log lines go ({@code pure-ftpd: (user@host) [LEVEL]
 * message}), so that fail2ban and logwatch rules written for Pure-FTPd work unchanged. Each key is declared here
 * once, with its default; the whole file is applied live.
 *
 * @param target   {@code none} (default: no syslog output), an absolute path of a Unix datagram socket (the local
 *                 syslog daemon's {@code /dev/log}), or {@code udp:HOST:PORT} (e.g. {@code udp:127.0.0.1:514})
 * @param format   {@code rfc3164} (default: what {@code /dev/log} readers and fail2ban's files expect) or
 *                 {@code rfc5424}
 * @param facility Pure-FTPd's {@code SyslogFacility}: {@code ftp} by default, or {@code auth}, {@code authpriv},
 *                 {@code daemon}, {@code user}, {@code local0}-{@code local7}
 * @param ident    the program name in each line, {@code pure-ftpd} by default (fail2ban's stock filter and its
 *                 journal match look for it)
 * @param level    the least severe level sent: {@code debug}, {@code info} (default), {@code notice},
 *                 {@code warning}, {@code error}; {@code debug} is needed for {@code commands}
 * @param commands Pure-FTPd's {@code VerboseLog}: each command as {@code [DEBUG] Command [verb] [argument]}, PASS
 *                 shown as {@code <*>}; off by default
 */
public record SyslogSettings(String target, boolean rfc5424, int facility, String ident, int level,
                             boolean commands) {

    public static final String PID = "dev.wharf.syslog";
    /** Syslog severities (RFC 5424 numbers) under Pure-FTPd's names. */
    public static final int ERROR = 3;
    public static final int WARNING = 4;
    public static final int NOTICE = 5;
    public static final int INFO = 6;
    public static final int DEBUG = 7;

    public static final SyslogSettings OFF = new SyslogSettings("none", false, 11, "pure-ftpd", INFO, false);

    /** The settings in {@code properties}; a bad value throws, naming the key and what it expects. */
    public static SyslogSettings from(Map<String, ?> properties) {
        ConfigValues values = new ConfigValues(PID, properties);
        String target = values.string("target", "none").trim();
        if (!target.equals("none") && !target.startsWith("/") && udpTarget(target) == null) {
            throw values.invalid("target", "none, an absolute socket path such as /dev/log, or udp:HOST:PORT");
        }
        String format = values.string("format", "rfc3164").trim().toLowerCase(Locale.ROOT);
        if (!format.equals("rfc3164") && !format.equals("rfc5424")) {
            throw values.invalid("format", "rfc3164 or rfc5424");
        }
        String facilityName = values.string("facility", "ftp").trim().toLowerCase(Locale.ROOT);
        int facility = facility(facilityName);
        if (facility < 0) {
            throw values.invalid("facility", "ftp, auth, authpriv, daemon, user or local0-local7");
        }
        String ident = values.string("ident", "pure-ftpd").trim();
        if (!ident.matches("[A-Za-z0-9._-]{1,48}")) {
            throw values.invalid("ident", "1-48 letters, digits, '.', '_' or '-'");
        }
        int level = switch (values.string("level", "info").trim().toLowerCase(Locale.ROOT)) {
            case "debug" -> DEBUG;
            case "info" -> INFO;
            case "notice" -> NOTICE;
            case "warning" -> WARNING;
            case "error" -> ERROR;
            default -> throw values.invalid("level", "debug, info, notice, warning or error");
        };
        return new SyslogSettings(target, format.equals("rfc5424"), facility, ident, level,
                values.bool("commands", false));
    }

    /** The UDP destination of {@code udp:HOST:PORT}, or null when {@code target} is not one. */
    static InetSocketAddress udpTarget(String target) {
        if (!target.startsWith("udp:")) {
            return null;
        }
        String rest = target.substring(4);
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || !rest.substring(colon + 1).matches("\\d{1,5}")) {
            return null;
        }
        int port = Integer.parseInt(rest.substring(colon + 1));
        String host = rest.substring(0, colon).replaceAll("^\\[|]$", "");
        return port > 0 && port < 65536 ? InetSocketAddress.createUnresolved(host, port) : null;
    }

    Path socketPath() {
        return target.startsWith("/") ? Path.of(target) : null;
    }

    private static int facility(String name) {
        return switch (name) {
            case "user" -> 1;
            case "daemon" -> 3;
            case "auth" -> 4;
            case "authpriv" -> 10;
            case "ftp" -> 11;
            default -> name.matches("local[0-7]") ? 16 + (name.charAt(5) - '0') : -1;
        };
    }
}
