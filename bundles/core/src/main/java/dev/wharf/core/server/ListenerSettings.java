package dev.wharf.core.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Locale;

import java.time.Duration;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One listener's settings, read from its ConfigAdmin factory configuration ({@code dev.wharf.listener}); each key,
 * its type, default and range is declared once, in {@link Config}, and a bad value is reported naming its key.
 * The fields follow the keys ({@code passivePorts} is {@code passive.ports}); {@code name} is the part after
 * {@code ~} in the PID, e.g. {@code main}, and {@code securityOverrides} the {@code security.<key>} values without
 * their prefix.
 */
public record ListenerSettings(String name, String bindAddress, int port, PortRange passivePorts,
                               String passiveAddress, int maxClients, int maxUnauthenticated,
                               Duration loginTimeout, Duration lineTimeout, int listenBacklog,
                               Duration idleTimeout, Duration dataTimeout, int maxLineLength, List<String> authOrder, TlsSettings tls, Sendfile sendfile,
                               Path dirAliasesFile, UploadMode uploadMode, Map<String, String> securityOverrides) {

    public ListenerSettings {
        securityOverrides = Map.copyOf(securityOverrides);
    }

    public static final String FACTORY_PID = "dev.wharf.listener";

    private static final SettingDefinitions DEFINITIONS = SettingDefinitions.load(ListenerSettings.class,
            FACTORY_PID);

    /** The keys of a {@code dev.wharf.listener} factory configuration, one file per listener. */
    @ObjectClassDefinition(id = FACTORY_PID, name = "Wharf listener",
            description = "An FTP or FTPS port with its limits and TLS policy. Keys security.<key> override the "
                    + "server-wide security settings of the same name for this listener's sessions.")
    public @interface Config {
        @AttributeDefinition(name = "Bind address",
                description = "Address to listen on")
        String bind() default "127.0.0.1";

        @AttributeDefinition(name = "Port", min = "0", max = "65535",
                description = "TCP port; 0 lets the system choose")
        int port() default 2121;

        @AttributeDefinition(name = "Passive ports", required = false,
                description = "Passive data ports, first-last within 1024-65535; any lets the system choose")
        String passive_ports() default "50000-50999";

        @AttributeDefinition(name = "Passive address", required = false,
                description = "IPv4 address or host name announced in PASV replies, for NAT; empty: the local address. "
                        + "A name is resolved for each connection, as Pure-FTPd's ForcePassiveIP (dynamic DNS; the "
                        + "JVM caches answers for 30 s), and one without an IPv4 address refuses every connection "
                        + "with 421 Illegal forced IP for passive connections")
        String passive_address() default "";

        @AttributeDefinition(name = "Logged-in sessions", min = "1", max = "100000",
                description = "Concurrent logged-in sessions on this listener; when all are taken new connections get "
                        + "421 at once")
        int max_clients() default 50;

        @AttributeDefinition(name = "Connections not logged in", min = "1", max = "100000",
                description = "Connections that have not logged in yet, counted apart from max.clients so they can "
                        + "never take a logged-in user's place; when full, the one that has waited longest is "
                        + "closed (421) for the newcomer")
        int max_unauthenticated() default 100;

        @AttributeDefinition(name = "Login timeout (s)", min = "1", max = "3600",
                description = "Seconds from the greeting (or REIN) to a successful login; then 421 Login timeout and "
                        + "the connection is closed")
        int login_timeout() default 60;

        @AttributeDefinition(name = "Line timeout (s)", min = "1", max = "3600",
                description = "Seconds from the first byte of a command line to its end: a client trickling bytes is "
                        + "cut (421), as each byte would otherwise restart the idle timeout")
        int line_timeout() default 30;

        @AttributeDefinition(name = "Listen backlog", min = "0", max = "1000000",
                description = "Connections the kernel queues before they are accepted; 0 = the kernel's maximum "
                        + "(net.core.somaxconn), so a burst of connects waits instead of being dropped")
        int listen_backlog() default 0;

        @AttributeDefinition(name = "Idle timeout (s)", min = "1", max = "86400",
                description = "Seconds without a command before the session is closed; a session that sends only "
                        + "commands that change nothing (NOOP, SYST, TYPE, MODE, STRU, CWD, CDUP, PWD, REST, "
                        + "unknown ones) is closed after twice this (421 Timeout (no operation for N seconds)), as "
                        + "in Pure-FTPd")
        int idle_timeout() default 900;

        @AttributeDefinition(name = "Data timeout (s)", min = "1", max = "86400",
                description = "Seconds to wait for a data connection, or for data on one")
        int data_timeout() default 60;

        @AttributeDefinition(name = "Longest command line (bytes)", min = "512", max = "65536",
                description = "Longest command line in bytes (Pure-FTPd accepts 4111; 4096 leaves room for long UTF-8 "
                        + "names)")
        int max_line_length() default 4096;

        @AttributeDefinition(name = "Backends first", required = false,
                description = "Auth backends to ask first, by name, e.g. passwd (Pure-FTPd's -l); the others follow by "
                        + "service ranking")
        String auth_order() default "";

        @AttributeDefinition(name = "TLS level", min = "0", max = "3",
                description = "0 = no TLS, 1 = optional (AUTH TLS), 2 = required before login, 3 = required for login "
                        + "and data (PROT P); Pure-FTPd's -Y")
        int tls() default 1;

        @AttributeDefinition(name = "Implicit TLS",
                description = "TLS from the first byte (port 990 style); add a second listener file for it")
        boolean tls_implicit() default false;

        @AttributeDefinition(name = "TLS protocols",
                description = "TLSv1.3 and/or TLSv1.2; nothing older can be enabled")
        String tls_protocols() default "TLSv1.3,TLSv1.2";

        @AttributeDefinition(name = "TLS cipher suites", required = false,
                description = "Explicit cipher suite list; empty: the JDK's suites limited to forward-secret AEAD ones")
        String tls_ciphers() default "";

        @AttributeDefinition(name = "Data connections resume the TLS session",
                description = "Refuse (425) data connections that do not resume the control connection's TLS session, "
                        + "so only the client that logged in can use a data port; false for clients that cannot "
                        + "(stock Python ftplib, Commons Net; see the client table)")
        boolean tls_session_reuse() default true;

        @AttributeDefinition(name = "Client certificates",
                options = {@Option(label = "none", value = "none"), @Option(label = "want", value = "want"),
                    @Option(label = "need", value = "need")},
                description = "none, or want or need a client certificate signed by a CA in tls.client.ca; need also "
                        + "forbids logins without TLS")
        String tls_client_auth() default "none";

        @AttributeDefinition(name = "Client CA file", required = false,
                description = "PEM file of the CA certificates client certificates must chain to; required with "
                        + "want/need")
        String tls_client_ca() default "";

        @AttributeDefinition(name = "Certificate names the user",
                description = "A client that shows a certificate may log in only as the user its common name (CN) names")
        boolean tls_client_match_user() default false;

        @AttributeDefinition(name = "sendfile",
                options = {@Option(label = "auto", value = "auto"), @Option(label = "true", value = "true"),
                    @Option(label = "false", value = "false")},
                description = "How plain binary downloads leave the file: auto uses sendfile (zero-copy) for downloads "
                        + "of more than 64 KiB to clients not on loopback, and a read-and-write loop for the rest "
                        + "(faster there, see Performance); true always sendfile; false never (for file systems "
                        + "where sendfile misbehaves)")
        String sendfile() default "auto";

        @AttributeDefinition(name = "Upload mode",
                description = "atomic: an upload shows under its name only once complete and a cut one leaves "
                        + "nothing; atomic-resume: a cut upload is kept hidden (.wharf-partial.<name>) so that "
                        + "SIZE reports it and REST+STOR or APPE continue it, then it is renamed into place; "
                        + "direct: written in place under its name, as Pure-FTPd does",
                options = {@Option(label = "atomic", value = "atomic"),
                    @Option(label = "atomic-resume", value = "atomic-resume"),
                    @Option(label = "direct", value = "direct")})
        String upload_mode() default "atomic";

        @AttributeDefinition(name = "Directory aliases file", required = false,
                description = "Pure-FTPd's directory aliases file (an alias and a directory on alternating lines, "
                        + "e.g. /etc/pure-ftpd/pureftpd-dir-aliases), read at each login: CWD alias goes to the "
                        + "directory when it is inside the account's root, SITE ALIAS lists them; empty = none")
        String dir_aliases_file() default "";
    }

    /**
     * Whether plain binary downloads use sendfile (zero-copy) or read the file into a buffer and write that. On
     * loopback, with no network card to hand the pages to, the receiving process copies them out of the page
     * cache on its own core; the copy loop, which spreads that work over two, measured 1.04 to 2.5 times as fast.
     */
    public enum Sendfile {
        /** sendfile for more than one buffer to a peer that is not on loopback (key value {@code auto}). */
        AUTO,
        /** Always sendfile ({@code true}). */
        ALWAYS,
        /** Never ({@code false}): for file systems where sendfile misbehaves, as vsftpd's {@code use_sendfile=NO}. */
        NEVER
    }

    /**
     * How STOR writes and what a cut upload (client killed, data connection reset, ABOR, timeout) leaves. APPE and
     * REST + STOR on a complete file always write in place: they extend what is there.
     */
    public enum UploadMode {
        /**
         * {@code atomic} (default): the data goes to an unnamed file that takes the name only when complete; a cut
         * upload leaves nothing. Pure-FTPd's {@code NoTruncate}.
         */
        ATOMIC,
        /**
         * {@code atomic-resume}: as {@code atomic}, but a cut upload is kept under the hidden name
         * {@code .wharf-partial.<name>} in the same directory (never listed, refused to clients); {@code SIZE name}
         * reports it while no file has the name, REST + STOR and APPE continue it, and once complete it is renamed
         * onto the name. A STOR without REST starts over and discards it.
         */
        ATOMIC_RESUME,
        /** {@code direct}: written in place under the final name, so a cut upload stays visible (Pure-FTPd's way). */
        DIRECT;

        /** The key's value for this mode. */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** How much TLS a listener demands, as Pure-FTPd's {@code -Y 0..3}. */
    public enum TlsLevel {
        /** AUTH TLS is refused. */
        OFF,
        /** Clients choose. */
        OPTIONAL,
        /** TLS before USER. */
        REQUIRED_FOR_LOGIN,
        /** TLS before USER, and PROT P for every data connection. */
        REQUIRED_FOR_DATA
    }

    /**
     * @param level        key {@code tls}: 0 off, 1 optional (default), 2 required for login, 3 also for data
     * @param implicit     key {@code tls.implicit}: TLS from the first byte (port 990 style), no AUTH needed
     * @param protocols    key {@code tls.protocols}: TLSv1.3 and TLSv1.2 by default; nothing older is accepted
     * @param cipherSuites key {@code tls.ciphers}: empty for the JDK's suites limited to forward-secret AEAD ones
     * @param requireSessionReuse key {@code tls.session.reuse}: data connections must resume the control
     *                     connection's TLS session (default on), so nobody but the client that logged in can
     *                     connect to a data port; off for clients that cannot resume (Commons Net, old ones)
     * @param clientAuth   key {@code tls.client.auth}: {@code none} (default), {@code want} or {@code need} a
     *                     client certificate signed by one of {@code clientCas}; {@code need} also means no login
     *                     without TLS
     * @param clientCas    key {@code tls.client.ca}: a PEM file of the CA certificates client certificates must
     *                     chain to; required with want/need
     * @param clientCertificateNamesUser key {@code tls.client.match.user}: a client that shows a certificate may
     *                     only log in as the user named by its common name
     */
    public record TlsSettings(TlsLevel level, boolean implicit, List<String> protocols, List<String> cipherSuites,
                              boolean requireSessionReuse, ClientAuth clientAuth, List<X509Certificate> clientCas,
                              boolean clientCertificateNamesUser) {
    }

    /** Whether the TLS handshake asks the client for a certificate. */
    public enum ClientAuth {
        NONE, WANT, NEED
    }

    static final List<String> ALLOWED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** A passive port range, both ends included. */
    public record PortRange(int first, int last) {
        public int size() {
            return last - first + 1;
        }
    }

    /** Reads settings from configuration properties, applying defaults for absent keys. */
    public static ListenerSettings from(Map<String, ?> properties) {
        String name = listenerName(properties);
        Values values = new Values(new ConfigValues("Listener '" + name + "'", properties, DEFINITIONS));
        return new ListenerSettings(name,
                values.string("bind"),
                values.integer("port"),
                values.portRange("passive.ports"),
                values.ipv4OrHostName("passive.address"),
                values.integer("max.clients"),
                values.integer("max.unauthenticated"),
                Duration.ofSeconds(values.integer("login.timeout")),
                Duration.ofSeconds(values.integer("line.timeout")),
                values.integer("listen.backlog"),
                Duration.ofSeconds(values.integer("idle.timeout")),
                Duration.ofSeconds(values.integer("data.timeout")),
                values.integer("max.line.length"),
                values.values().listOrDefault("auth.order"),
                tlsSettings(values),
                sendfile(values.values()),
                dirAliasesFile(values.values()),
                uploadMode(values.values()),
                securityOverrides(name, properties));
    }

    private static final String SECURITY_PREFIX = "security.";

    /** The {@code security.*} keys, checked on their own so that a bad one names this listener. */
    private static Map<String, String> securityOverrides(String name, Map<String, ?> properties) {
        Map<String, String> overrides = new java.util.HashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(SECURITY_PREFIX) && value != null && !value.toString().isBlank()) {
                overrides.put(key.substring(SECURITY_PREFIX.length()), value.toString().strip());
            }
        });
        dev.wharf.core.security.SecurityPolicy.checkOverrides("Listener '" + name + "'", overrides);
        return overrides;
    }

    private static Path dirAliasesFile(ConfigValues values) {
        String file = values.string("dir.aliases.file").strip();
        if (file.isEmpty()) {
            return null;
        }
        if (!file.startsWith("/")) {
            throw values.invalid("dir.aliases.file", "an absolute path (e.g. /etc/pure-ftpd/pureftpd-dir-aliases)");
        }
        return Path.of(file);
    }

    private static UploadMode uploadMode(ConfigValues values) {
        String text = values.string("upload.mode").strip();
        for (UploadMode mode : UploadMode.values()) {
            if (mode.key().equalsIgnoreCase(text)) {
                return mode;
            }
        }
        throw values.invalid("upload.mode", "atomic, atomic-resume or direct");
    }

    /** {@code auto}, or the words of every other on/off key. */
    private static Sendfile sendfile(ConfigValues values) {
        if (values.string("sendfile").equalsIgnoreCase("auto")) {
            return Sendfile.AUTO;
        }
        try {
            return values.bool("sendfile", true) ? Sendfile.ALWAYS : Sendfile.NEVER;
        } catch (ConfigValues.InvalidSettingException notOnOff) {
            throw values.invalid("sendfile", "auto, true or false");
        }
    }

    private static TlsSettings tlsSettings(Values values) {
        TlsLevel level = TlsLevel.values()[values.integer("tls")];
        List<String> protocols = values.values().listOrDefault("tls.protocols");
        if (protocols.isEmpty() || !ALLOWED_PROTOCOLS.containsAll(protocols)) {
            throw values.values().invalid("tls.protocols", "TLSv1.3 and/or TLSv1.2");
        }
        ClientAuth clientAuth = switch (values.string("tls.client.auth").toLowerCase(Locale.ROOT)) {
            case "none" -> ClientAuth.NONE;
            case "want" -> ClientAuth.WANT;
            case "need" -> ClientAuth.NEED;
            default -> throw values.values().invalid("tls.client.auth", "none, want or need");
        };
        List<X509Certificate> clientCas = List.of();
        String caFile = values.string("tls.client.ca");
        if (!caFile.isBlank()) {
            clientCas = certificates(values, caFile.strip());
        } else if (clientAuth != ClientAuth.NONE) {
            throw values.values().invalid("tls.client.ca", "a PEM file of CA certificates (tls.client.auth is "
                    + clientAuth.name().toLowerCase(Locale.ROOT) + ")");
        }
        return new TlsSettings(level, values.values().bool("tls.implicit"), protocols,
                values.values().listOrDefault("tls.ciphers"), values.values().bool("tls.session.reuse"), clientAuth,
                clientCas, values.values().bool("tls.client.match.user"));
    }

    private static List<X509Certificate> certificates(Values values, String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new CertificateException("no certificate in it");
            }
            return List.copyOf(certificates);
        } catch (IOException | CertificateException | RuntimeException unreadable) {
            String reason = unreadable instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : unreadable.getMessage();
            throw values.values().invalid("tls.client.ca", "a readable PEM file of CA certificates; " + reason);
        }
    }

    /** {@code dev.wharf.listener~main} → {@code main}; falls back to the whole PID. */
    static String listenerName(Map<String, ?> properties) {
        Object pid = properties.get("service.pid");
        if (pid == null) {
            return "default";
        }
        String text = pid.toString();
        int tilde = text.lastIndexOf('~');
        return tilde >= 0 ? text.substring(tilde + 1) : text;
    }

    private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

    /** The listener-specific value types on top of {@link ConfigValues}. */
    private record Values(ConfigValues values) {

        String string(String key) {
            return values.string(key);
        }

        int integer(String key) {
            return values.integer(key);
        }

        PortRange portRange(String key) {
            String value = values.string(key);
            if (value == null || value.isBlank() || value.equalsIgnoreCase("any")) {
                return null;
            }
            String[] ends = value.split("[-:]", -1);
            try {
                if (ends.length == 2) {
                    int first = Integer.parseInt(ends[0].trim());
                    int last = Integer.parseInt(ends[1].trim());
                    if (first >= 1024 && last <= 65535 && first <= last) {
                        return new PortRange(first, last);
                    }
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw values.invalid(key, "a range like 50000-50999 within 1024-65535, or any");
        }

        String ipv4OrHostName(String key) {
            String value = values.string(key);
            if (value == null || value.isBlank()) {
                return null;
            }
            value = value.strip();
            if (!value.matches("[0-9.]+")) {
                if (!HOST_NAME.matcher(value).matches()) {
                    throw values.invalid(key, "a dotted IPv4 address or a host name");
                }
                return value;
            }
            String[] parts = value.split("\\.", -1);
            boolean valid = parts.length == 4 && Arrays.stream(parts).allMatch(part -> {
                try {
                    int octet = Integer.parseInt(part);
                    return octet >= 0 && octet <= 255 && !part.startsWith("+");
                } catch (NumberFormatException notANumber) {
                    return false;
                }
            });
            if (!valid) {
                throw values.invalid(key, "a dotted IPv4 address");
            }
            return value;
        }
    }
}
