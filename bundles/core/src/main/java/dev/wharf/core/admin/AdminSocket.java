package dev.wharf.core.admin;

import dev.wharf.core.server.ConfigValues;
import dev.wharf.core.server.SettingDefinitions;
import dev.wharf.core.server.ConfigValues.InvalidSettingException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Unix socket {@code bin/wharf who|kick|stats|bans|unban} talk to (configuration PID {@code dev.wharf.admin}:
 * {@code socket}, default {@code ${wharf.home}/var/run/admin.sock}; {@code enabled}). Only the server's own user
 * can connect: the socket is mode 0600 in a directory of mode 0700. A request is one line of words; the answer is
 * {@code OK} or {@code ERROR}, a newline, then the text.
 */
@Designate(ocd = AdminSocket.Config.class)
@Component(service = AdminSocket.class, immediate = true, configurationPid = AdminSocket.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class AdminSocket {

    public static final String PID = "dev.wharf.admin";
    private static final SettingDefinitions DEFINITIONS = SettingDefinitions.load(AdminSocket.class, PID);

    /** The keys of {@code dev.wharf.admin}. */
    @ObjectClassDefinition(id = PID, name = "Wharf admin socket",
            description = "The Unix socket bin/wharf who, kick, stats and bans talk to (mode 0600)")
    public @interface Config {
        @AttributeDefinition(name = "Enabled",
                description = "Whether bin/wharf who, kick, stats, bans and quotacheck can reach the running server")
        boolean enabled() default true;

        @AttributeDefinition(name = "Socket",
                description = "The Unix socket (mode 0600, only the server's user can open it); ${wharf.home} is the "
                        + "server directory")
        String socket() default "${wharf.home}/var/run/admin.sock";
    }
    private static final Logger LOG = LoggerFactory.getLogger(AdminSocket.class);
    private static final int MAX_REQUEST = 4096;
    private static final long REQUEST_TIMEOUT_SECONDS = 10;

    private final AdminCommands commands;
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "wharf-admin-timeouts");
        thread.setDaemon(true);
        return thread;
    });
    private ServerSocketChannel server;
    private Path socketFile;

    /** Not listening yet: {@link #open} starts it (for embedding and tests). */
    public AdminSocket(AdminCommands commands) {
        this.commands = commands;
    }

    @Activate
    public AdminSocket(@Reference AdminCommands commands, BundleContext context, Map<String, Object> properties) {
        this(commands);
        String home = context.getProperty("wharf.home");
        try {
            ConfigValues values = new ConfigValues("Admin socket", properties, DEFINITIONS);
            if (!values.bool("enabled")) {
                return;
            }
            String path = values.string("socket")
                    .replace("${wharf.home}", home != null ? home : System.getProperty("user.dir"));
            open(Path.of(path));
        } catch (InvalidSettingException invalid) {
            LOG.error("{} - the admin socket is off until this is fixed", invalid.getMessage());
        }
    }

    /** Listens on {@code path}; a failure is logged and leaves the admin socket off. */
    public void open(Path path) {
        try {
            Path directory = path.toAbsolutePath().getParent();
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path,
                        LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
                    throw new IOException(path + " exists and is not a socket");
                }
                Files.delete(path); // left over from a server that did not stop cleanly
            }
            ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            server = channel;
            socketFile = path;
            Thread.ofPlatform().name("wharf-admin-socket").daemon().start(this::acceptLoop);
            LOG.info("Admin commands (bin/wharf who, kick, stats, bans) on {}", path);
        } catch (IOException | UnsupportedOperationException failure) {
            LOG.error("Admin socket {} not available: {}", path, failure.toString());
        }
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("wharf-admin-request").start(() -> serve(client));
            } catch (IOException closed) {
                if (server.isOpen()) {
                    LOG.warn("Admin socket accept failed: {}", closed.toString());
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        var timeout = timeouts.schedule(() -> close(client), REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        try (client) {
            String line = readLine(client);
            AdminCommands.Answer answer = line == null
                    ? new AdminCommands.Answer(false, "request too long or incomplete\n")
                    : commands.run(Arrays.stream(line.trim().split("\\s+")).filter(word -> !word.isEmpty()).toList());
            ByteBuffer reply = ByteBuffer.wrap(((answer.ok() ? "OK\n" : "ERROR\n") + answer.text())
                    .getBytes(StandardCharsets.UTF_8));
            while (reply.hasRemaining()) {
                client.write(reply);
            }
        } catch (IOException gone) {
            LOG.debug("Admin request failed: {}", gone.toString());
        } finally {
            timeout.cancel(false);
        }
    }

    /** One request line, or {@code null} when it is too long or the client stops before its end. */
    private static String readLine(SocketChannel client) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(512);
        while (line.size() < MAX_REQUEST) {
            buffer.clear();
            int n = client.read(buffer);
            if (n < 0) {
                return null;
            }
            for (int i = 0; i < n; i++) {
                byte b = buffer.get(i);
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
        }
        return null;
    }

    private static void close(SocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Deactivate
    public void deactivate() {
        timeouts.shutdownNow();
        if (server != null) {
            try {
                server.close();
                Files.deleteIfExists(socketFile);
            } catch (IOException ignored) {
                // the next start removes a stale socket file
            }
        }
    }

    /** The path listened on, or {@code null} when the socket is off. */
    public Path socketFile() {
        return socketFile;
    }
}
