package dev.wharf.tls.certd;

import dev.wharf.api.tls.CertificateDeniedException;
import dev.wharf.api.tls.CertificateProvider;
import dev.wharf.api.tls.KeyMaterial;
import dev.wharf.tls.keyfiles.KeyFileException;
import dev.wharf.tls.keyfiles.KeyFiles;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an external handler which certificate serves an SNI name, speaking Pure-FTPd's pure-certd protocol over a
 * Unix socket, so handlers written for Pure-FTPd (run by its {@code pure-certd} or anything else listening on the
 * socket) work unchanged. Answers: {@code deny} closes the connection, {@code default} leaves the choice to the
 * next provider, {@code strict} uses the named files or closes, {@code fallback} uses them or the next provider.
 * A handler that cannot be reached or answers badly denies, as in Pure-FTPd ("Cert handler not ready").
 */
@Component(service = CertificateProvider.class, configurationPid = CertdCertificateProvider.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {CertificateProvider.NAME_PROPERTY + "=certd", "service.ranking:Integer=100"})
@Designate(ocd = CertdCertificateProvider.Config.class)
public class CertdCertificateProvider implements CertificateProvider {

    static final String PID = "dev.wharf.tls.certd";
    private static final Logger LOG = LoggerFactory.getLogger(CertdCertificateProvider.class);
    /** What Pure-FTPd passes on: letters, digits, dot, underscore and dash, at most 255 characters. */
    private static final Pattern VALID_NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");
    private static final int MAX_REPLY_BYTES = 8192;

    @ObjectClassDefinition(name = "Wharf certificates from a pure-certd handler")
    public @interface Config {
        @AttributeDefinition(description = "The handler's Unix socket (pure-certd -s)")
        String socket() default "/var/run/ftpd-certd.sock";

        @AttributeDefinition(description = "Seconds to wait for the handler's answer")
        int timeout_seconds() default 5;

        @AttributeDefinition(description = "Seconds an answer is reused for the same name (one handshake asks "
                + "once per key type)")
        int cache_seconds() default 2;
    }

    /** A handler's answer as it arrived, or the reason there was none ({@code action} is then null). */
    record Answer(String action, String certFile, String keyFile, String failure) {

        static Answer notReady(String reason) {
            return new Answer(null, null, null, reason);
        }
    }

    private record CachedAnswer(Answer answer, long expiresNanos) {
    }

    private record LoadedFiles(String stamp, KeyMaterial material) {
    }

    private final Path socket;
    private final Duration timeout;
    private final long cacheNanos;
    private final ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, CachedAnswer> answers = new ConcurrentHashMap<>();
    private final Map<String, LoadedFiles> loaded = new ConcurrentHashMap<>();

    @Activate
    public CertdCertificateProvider(Config config) {
        this.socket = Path.of(config.socket().strip());
        this.timeout = Duration.ofSeconds(Math.max(1, config.timeout_seconds()));
        this.cacheNanos = TimeUnit.SECONDS.toNanos(Math.max(0, config.cache_seconds()));
        LOG.info("TLS certd: asking the handler on {} for SNI names", socket);
    }

    @Deactivate
    void deactivate() {
        exchanges.shutdownNow();
    }

    @Override
    public Optional<KeyMaterial> keyMaterial(String serverName) throws CertificateDeniedException {
        if (serverName == null || !VALID_NAME.matcher(serverName).matches()) {
            return Optional.empty();
        }
        Answer answer = answerFor(serverName);
        if (answer.action() == null) {
            throw new CertificateDeniedException("Cert handler not ready: " + answer.failure());
        }
        switch (answer.action()) {
            case "deny":
                throw new CertificateDeniedException("the certificate handler denies " + serverName);
            case "default":
                return Optional.empty();
            case "strict":
                try {
                    return Optional.of(load(answer));
                } catch (KeyFileException unusable) {
                    throw new CertificateDeniedException("strict certificate for " + serverName + " unusable: "
                            + unusable.getMessage());
                }
            case "fallback":
                try {
                    return Optional.of(load(answer));
                } catch (KeyFileException unusable) {
                    LOG.warn("TLS certd: fallback certificate for {} unusable, using the default: {}", serverName,
                            unusable.getMessage());
                    return Optional.empty();
                }
            default:
                throw new CertificateDeniedException("Cert handler not ready: unknown action '" + answer.action()
                        + "' for " + serverName);
        }
    }

    private Answer answerFor(String serverName) {
        CachedAnswer cached = answers.get(serverName);
        if (cached != null && System.nanoTime() - cached.expiresNanos() < 0) {
            return cached.answer();
        }
        Answer answer;
        try {
            answer = ask(serverName);
        } catch (IOException broken) {
            LOG.warn("TLS certd: Cert handler not ready ({}): {}", socket, broken.getMessage());
            // kept like an answer: JSSE asks once per key type, and a dead handler must not cost a timeout each
            answer = Answer.notReady(broken.getMessage());
        }
        if (cacheNanos > 0) {
            if (answers.size() > 10_000) {
                answers.clear();
            }
            answers.put(serverName, new CachedAnswer(answer, System.nanoTime() + cacheNanos));
        }
        return answer;
    }

    /** One exchange with the handler, bounded by the timeout whatever the handler does. */
    Answer ask(String serverName) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Future<Answer> exchange = exchanges.submit(() -> {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(("sni_name:" + serverName + "\nend\n").getBytes(StandardCharsets.UTF_8)));
            return parse(readReply(channel));
        });
        try {
            return exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException slow) {
            throw new IOException("no answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException failed) {
            Throwable cause = failed.getCause();
            throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            exchange.cancel(true);
            channel.close();
        }
    }

    /** Reads until a line {@code end} (the handler may keep the connection open) or the end of the stream. */
    private static String readReply(SocketChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REPLY_BYTES);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                break;
            }
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
            if (text.startsWith("end\n") || text.contains("\nend\n") || text.endsWith("\nend")) {
                break;
            }
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    /** {@code action:}, {@code cert_file:}, {@code key_file:} lines up to {@code end}; a missing end is an error. */
    static Answer parse(String reply) throws IOException {
        String action = null;
        String certFile = null;
        String keyFile = null;
        boolean ended = false;
        for (String line : reply.split("\n")) {
            line = line.strip();
            if (line.equals("end")) {
                ended = true;
                break;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).strip();
            switch (line.substring(0, colon)) {
                case "action" -> action = value;
                case "cert_file" -> certFile = value;
                case "key_file" -> keyFile = value;
                default -> {
                    // uid, gid, dir: pure-authd leftovers some handlers print; ignored as Pure-FTPd does
                }
            }
        }
        if (!ended) {
            throw new IOException("the handler's answer has no 'end' line");
        }
        if (action == null) {
            throw new IOException("the handler's answer has no action");
        }
        return new Answer(action, certFile, keyFile, null);
    }

    /** The answer's files, parsed once per change of the files. */
    private KeyMaterial load(Answer answer) throws KeyFileException {
        if (answer.certFile() == null || !answer.certFile().startsWith("/")) {
            throw new KeyFileException("cert_file must be an absolute path, got " + answer.certFile());
        }
        Path cert = Path.of(answer.certFile());
        Path key = answer.keyFile() == null || answer.keyFile().isEmpty() ? cert : Path.of(answer.keyFile());
        if (!key.isAbsolute()) {
            throw new KeyFileException("key_file must be an absolute path, got " + key);
        }
        List<Path> files = cert.equals(key) ? List.of(cert) : List.of(cert, key);
        String stamp = stamp(files);
        String cacheKey = files.toString();
        LoadedFiles previous = loaded.get(cacheKey);
        if (previous != null && previous.stamp().equals(stamp)) {
            return previous.material();
        }
        KeyMaterial material = KeyFiles.load(files, new char[0]).get(0);
        if (loaded.size() > 1_000) {
            loaded.clear();
        }
        loaded.put(cacheKey, new LoadedFiles(stamp, material));
        return material;
    }

    private static String stamp(List<Path> files) {
        StringBuilder stamp = new StringBuilder();
        for (Path file : files) {
            try {
                stamp.append(Files.getLastModifiedTime(file).toMillis()).append('/').append(Files.size(file))
                        .append(';');
            } catch (IOException missing) {
                stamp.append("missing;");
            }
        }
        return stamp.toString();
    }
}
