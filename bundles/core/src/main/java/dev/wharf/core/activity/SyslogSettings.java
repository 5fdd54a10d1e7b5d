package dev.wharf.core.activity;

import dev.wharf.core.server.ConfigValues;
import dev.wharf.core.server.SettingDefinitions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * {@code etc/dev.wharf.syslog.cfg}: where Pure-FTPd-style log lines go ({@code pure-ftpd: (user@host) [LEVEL]
 * message}), so that fail2ban and logwatch rules written for Pure-FTPd work unchanged. Each key is declared once, in
 * {@link Config}; the whole file is applied live.
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

    private static final SettingDefinitions DEFINITIONS = SettingDefinitions.load(SyslogSettings.class, PID);
    public static final SyslogSettings OFF = new SyslogSettings("none", false, 11, "pure-ftpd", INFO, false);

    /** The keys of {@code dev.wharf.syslog}. */
    @ObjectClassDefinition(id = PID, name = "Wharf syslog",
            description = "Pure-FTPd's log lines to the local syslog socket or over UDP, for fail2ban and logwatch")
    public @interface Config {
        @AttributeDefinition(name = "Target",
                description = "none; an absolute path of the local syslog socket, normally /dev/log (a Unix "
                        + "datagram socket, as syslog(3) uses); or udp:HOST:PORT, e.g. udp:127.0.0.1:514")
        String target() default "none";

        @AttributeDefinition(name = "Format",
                description = "rfc3164 (BSD syslog: what /dev/log readers and log files expect) or rfc5424",
                options = {@Option(label = "rfc3164", value = "rfc3164"), @Option(label = "rfc5424", value = "rfc5424")})
        String format() default "rfc3164";

        @AttributeDefinition(name = "Facility",
                description = "Pure-FTPd's SyslogFacility: ftp, auth, authpriv, daemon, user, local0-local7")
        String facility() default "ftp";

        @AttributeDefinition(name = "Program name",
                description = "The program name in each line; fail2ban's filter and its journal match look for "
                        + "pure-ftpd")
        String ident() default "pure-ftpd";

        @AttributeDefinition(name = "Level",
                description = "The least severe level sent: debug, info, notice, warning, error; a change takes "
                        + "effect with the next line",
                options = {@Option(label = "debug", value = "debug"), @Option(label = "info", value = "info"),
                    @Option(label = "notice", value = "notice"), @Option(label = "warning", value = "warning"),
                    @Option(label = "error", value = "error")})
        String level() default "info";

        @AttributeDefinition(name = "Every command",
                description = "Log every command as Command [verb] [argument] (Pure-FTPd's VerboseLog; PASS shown "
                        + "as <*>); needs level = debug")
        boolean commands() default false;
    }

    /** The settings in {@code properties}; a bad value throws, naming the key and what it expects. */
    public static SyslogSettings from(Map<String, ?> properties) {
        ConfigValues values = new ConfigValues(PID, properties, DEFINITIONS);
        String target = values.string("target").trim();
        if (!target.equals("none") && !target.startsWith("/") && udpTarget(target) == null) {
            throw values.invalid("target", "none, an absolute socket path such as /dev/log, or udp:HOST:PORT");
        }
        String format = values.string("format").trim().toLowerCase(Locale.ROOT);
        if (!format.equals("rfc3164") && !format.equals("rfc5424")) {
            throw values.invalid("format", "rfc3164 or rfc5424");
        }
        String facilityName = values.string("facility").trim().toLowerCase(Locale.ROOT);
        int facility = facility(facilityName);
        if (facility < 0) {
            throw values.invalid("facility", "ftp, auth, authpriv, daemon, user or local0-local7");
        }
        String ident = values.string("ident").trim();
        if (!ident.matches("[A-Za-z0-9._-]{1,48}")) {
            throw values.invalid("ident", "1-48 letters, digits, '.', '_' or '-'");
        }
        int level = switch (values.string("level").trim().toLowerCase(Locale.ROOT)) {
            case "debug" -> DEBUG;
            case "info" -> INFO;
            case "notice" -> NOTICE;
            case "warning" -> WARNING;
            case "error" -> ERROR;
            default -> throw values.invalid("level", "debug, info, notice, warning or error");
        };
        return new SyslogSettings(target, format.equals("rfc5424"), facility, ident, level,
                values.bool("commands"));
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
