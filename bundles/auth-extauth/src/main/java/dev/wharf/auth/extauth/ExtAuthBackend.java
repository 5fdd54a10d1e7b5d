package dev.wharf.auth.extauth;

import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an external handler over a Unix domain socket with Pure-FTPd's extauth protocol, so handlers written for
 * pure-authd work unchanged. A handler that cannot be reached or does not answer in time gives 421 (the chain
 * stops: an outage must not let a lower backend answer for the user); a malformed answer gives 530.
 */
@Component(service = AuthBackend.class, configurationPid = ExtAuthBackend.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = AuthBackend.NAME_PROPERTY + "=extauth")
@Designate(ocd = ExtAuthBackend.Config.class)
public class ExtAuthBackend implements AuthBackend {

    static final String PID = "dev.wharf.auth.extauth";
    static final String HOME_VARIABLE = "${wharf.home}";
    private static final Logger LOG = LoggerFactory.getLogger(ExtAuthBackend.class);

    @ObjectClassDefinition(name = "Wharf external authentication",
            description = "Logins decided by a pure-authd compatible handler on a Unix socket")
    public @interface Config {
        @AttributeDefinition(description = "The handler's Unix socket; ${wharf.home} is the server directory")
        String socket() default HOME_VARIABLE + "/var/run/authd.sock";

        @AttributeDefinition(description = "Seconds to wait for the handler's whole answer")
        int timeout() default 10;

        @AttributeDefinition(description = "false: the backend answers 'unknown user' for everybody "
                + "(the chain goes on to the next backend)")
        boolean enabled() default true;
    }

    private volatile Path socket;
    private volatile long timeoutMillis;
    private volatile boolean enabled;
    private ScheduledExecutorService watchdog;

    @Activate
    @Modified
    void activate(BundleContext context, Config config) {
        String home = context.getProperty("wharf.home");
        configure(home != null ? home : Path.of("").toAbsolutePath().toString(), config);
    }

    /** Applies a configuration; the first call also starts the timeout timer. */
    synchronized void configure(String serverHome, Config config) {
        if (watchdog == null) {
            watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "wharf-extauth-timeout");
                thread.setDaemon(true);
                return thread;
            });
        }
        socket = Path.of(config.socket().replace(HOME_VARIABLE, serverHome)).toAbsolutePath();
        timeoutMillis = Math.max(1, config.timeout()) * 1000L;
        enabled = config.enabled();
        LOG.info("extauth handler socket {} (timeout {} s){}", socket, timeoutMillis / 1000,
                enabled ? "" : ", disabled");
    }

    @Deactivate
    synchronized void deactivate() {
        if (watchdog != null) {
            watchdog.shutdownNow();
            watchdog = null;
        }
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        if (!enabled) {
            return AuthResult.unknown();
        }
        Path handler = socket;
        String reply;
        AtomicBoolean timedOut = new AtomicBoolean();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> alarm = watchdog.schedule(() -> {
                timedOut.set(true);
                try {
                    channel.close(); // wakes up the blocked connect, write or read
                } catch (IOException ignored) {
                    // closing is all that can be done
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            try {
                channel.connect(UnixDomainSocketAddress.of(handler));
                ByteBuffer out = StandardCharsets.UTF_8.encode(ExtAuthProtocol.request(request));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                reply = readReply(channel);
            } finally {
                alarm.cancel(false);
            }
        } catch (IOException | RuntimeException failed) {
            if (timedOut.get()) {
                LOG.warn("extauth handler at {} did not answer within {} s for '{}'", handler, timeoutMillis / 1000,
                        request.user());
                return AuthResult.unavailable("extauth handler timed out");
            }
            LOG.warn("extauth handler at {} unreachable for '{}': {}", handler, request.user(), failed.toString());
            return AuthResult.unavailable("extauth handler unreachable");
        }
        AuthResult result = ExtAuthProtocol.decide(request.user(), reply);
        if (result instanceof AuthResult.Rejected rejected && !reply.contains("auth_ok:-1")) {
            LOG.warn("extauth handler at {} for '{}': {}", handler, request.user(), rejected.reason());
        }
        return result;
    }

    /** Until the handler closes, 4095 bytes, or a line starting with "end". */
    private static String readReply(SocketChannel channel) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(ExtAuthProtocol.MAX_REPLY);
        while (in.hasRemaining()) {
            if (channel.read(in) < 0) {
                break;
            }
            String sofar = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
            if (sofar.startsWith("end\n") || sofar.contains("\nend\n") || sofar.equals("end")) {
                break;
            }
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
    }
}
