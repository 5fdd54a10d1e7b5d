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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One listener's settings, read from its ConfigAdmin factory configuration ({@code dev.wharf.listener}).
 * Every default lives here; a bad value is reported naming its key.
 *
 * @param name           the listener's name (the part after {@code ~} in its PID, e.g. {@code main})
 * @param bindAddress    local address to listen on
 * @param port           TCP port; 0 lets the system choose
 * @param passivePorts   range for passive data connections; {@code null} lets the system choose
 * @param passiveAddress key {@code passive.address}: IPv4 address or host name advertised in PASV replies instead
 *                       of the local one (NAT), or {@code null}; a name is resolved for each connection, as
 *                       Pure-FTPd's ForcePassiveIP (dynamic DNS)
 * @param maxClients     concurrent logged-in sessions on this listener
 * @param maxUnauthenticated key {@code max.unauthenticated}: connections not logged in yet, counted apart from
 *                       {@code maxClients} so that they can never take logged-in users' places; when full, the
 *                       oldest of them is closed for a newcomer
 * @param loginTimeout   key {@code login.timeout}: from the greeting to a successful login
 * @param lineTimeout    key {@code line.timeout}: from the first byte of a command line to its end (slow senders)
 * @param listenBacklog  key {@code listen.backlog}: connections the kernel queues before they are accepted; 0
 *                       takes the kernel's limit ({@code net.core.somaxconn})
 * @param idleTimeout    a session with no command for this long is closed
 * @param dataTimeout    how long to wait for a data connection, or for data on one
 * @param maxLineLength  longest accepted control line in bytes
 * @param authOrder      backend names tried first, in this order (Pure-FTPd's {@code -l}); the rest follow by ranking
 * @param tls            TLS (FTPS) settings of this listener
 * @param sendfile       key {@code sendfile}: how plain binary downloads leave the file
 * @param dirAliasesFile key {@code dir.aliases.file}: Pure-FTPd's directory aliases file (alias and directory on
 *                       alternating lines), read at each login, or {@code null} for none
 * @param uploadMode     key {@code upload.mode}: whether an upload shows under its name only once complete, and
 *                       whether a cut one is kept for resuming ({@link UploadMode})
 * @param securityOverrides keys {@code security.<key>}: security settings this listener's sessions use instead
 *                       of the server-wide ones ({@link dev.wharf.core.security.SecurityPolicy#PER_LISTENER_KEYS}),
 *                       without the prefix
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

    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 2121;
    public static final int DEFAULT_MAX_CLIENTS = 50;
    public static final int DEFAULT_MAX_UNAUTHENTICATED = 100;
    public static final int DEFAULT_LOGIN_TIMEOUT_SECONDS = 60;
    public static final int DEFAULT_LINE_TIMEOUT_SECONDS = 30;
    public static final int DEFAULT_IDLE_SECONDS = 900;
    public static final int DEFAULT_DATA_TIMEOUT_SECONDS = 60;
    /** Pure-FTPd accepts 4111 bytes; a little more leaves room for long UTF-8 names. */
    public static final int DEFAULT_MAX_LINE = 4096;

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
        Values values = new Values(new ConfigValues("Listener '" + name + "'", properties));
        return new ListenerSettings(name,
                values.string("bind", DEFAULT_BIND),
                values.integer("port", DEFAULT_PORT, 0, 65535),
                values.portRange("passive.ports"),
                values.ipv4OrHostName("passive.address"),
                values.integer("max.clients", DEFAULT_MAX_CLIENTS, 1, 100_000),
                values.integer("max.unauthenticated", DEFAULT_MAX_UNAUTHENTICATED, 1, 100_000),
                Duration.ofSeconds(values.integer("login.timeout", DEFAULT_LOGIN_TIMEOUT_SECONDS, 1, 3600)),
                Duration.ofSeconds(values.integer("line.timeout", DEFAULT_LINE_TIMEOUT_SECONDS, 1, 3600)),
                values.integer("listen.backlog", 0, 0, 1_000_000),
                Duration.ofSeconds(values.integer("idle.timeout", DEFAULT_IDLE_SECONDS, 1, 86_400)),
                Duration.ofSeconds(values.integer("data.timeout", DEFAULT_DATA_TIMEOUT_SECONDS, 1, 86_400)),
                values.integer("max.line.length", DEFAULT_MAX_LINE, 512, 65_536),
                values.list("auth.order"),
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
        String file = values.string("dir.aliases.file", "").strip();
        if (file.isEmpty()) {
            return null;
        }
        if (!file.startsWith("/")) {
            throw values.invalid("dir.aliases.file", "an absolute path (e.g. /etc/pure-ftpd/pureftpd-dir-aliases)");
        }
        return Path.of(file);
    }

    private static UploadMode uploadMode(ConfigValues values) {
        String text = values.string("upload.mode", UploadMode.ATOMIC.key()).strip();
        for (UploadMode mode : UploadMode.values()) {
            if (mode.key().equalsIgnoreCase(text)) {
                return mode;
            }
        }
        throw values.invalid("upload.mode", "atomic, atomic-resume or direct");
    }

    /** {@code auto}, or the words of every other on/off key. */
    private static Sendfile sendfile(ConfigValues values) {
        if (values.string("sendfile", "auto").equalsIgnoreCase("auto")) {
            return Sendfile.AUTO;
        }
        try {
            return values.bool("sendfile", true) ? Sendfile.ALWAYS : Sendfile.NEVER;
        } catch (ConfigValues.InvalidSettingException notOnOff) {
            throw values.invalid("sendfile", "auto, true or false");
        }
    }

    private static TlsSettings tlsSettings(Values values) {
        TlsLevel level = TlsLevel.values()[values.integer("tls", 1, 0, 3)];
        List<String> protocols = values.list("tls.protocols");
        if (protocols.isEmpty()) {
            protocols = ALLOWED_PROTOCOLS;
        } else if (!ALLOWED_PROTOCOLS.containsAll(protocols)) {
            throw values.values().invalid("tls.protocols", "TLSv1.3 and/or TLSv1.2");
        }
        ClientAuth clientAuth = switch (values.string("tls.client.auth", "none").toLowerCase(Locale.ROOT)) {
            case "none" -> ClientAuth.NONE;
            case "want" -> ClientAuth.WANT;
            case "need" -> ClientAuth.NEED;
            default -> throw values.values().invalid("tls.client.auth", "none, want or need");
        };
        List<X509Certificate> clientCas = List.of();
        String caFile = values.string("tls.client.ca", "");
        if (!caFile.isBlank()) {
            clientCas = certificates(values, caFile.strip());
        } else if (clientAuth != ClientAuth.NONE) {
            throw values.values().invalid("tls.client.ca", "a PEM file of CA certificates (tls.client.auth is "
                    + clientAuth.name().toLowerCase(Locale.ROOT) + ")");
        }
        return new TlsSettings(level, values.values().bool("tls.implicit", false), protocols,
                values.list("tls.ciphers"), values.values().bool("tls.session.reuse", true), clientAuth, clientCas,
                values.values().bool("tls.client.match.user", false));
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

        String string(String key, String fallback) {
            return values.string(key, fallback);
        }

        int integer(String key, int fallback, int min, int max) {
            return values.integer(key, fallback, min, max);
        }

        List<String> list(String key) {
            return values.list(key);
        }

        PortRange portRange(String key) {
            String value = values.string(key, null);
            if (value == null) {
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
            throw values.invalid(key, "a range like 50000-50999 within 1024-65535");
        }

        String ipv4OrHostName(String key) {
            String value = values.string(key, null);
            if (value == null) {
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
