package dev.wharf.core.activity;

import dev.wharf.core.server.ConfigValues;
import dev.wharf.core.server.SettingDefinitions;
import dev.wharf.core.server.ConfigValues.InvalidSettingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per transfer in one of Pure-FTPd's log formats (configuration PID {@code dev.wharf.transferlog}:
 * {@code format} = {@code none}, {@code clf}, {@code stats}, {@code w3c} or {@code xferlog}; {@code file}, an
 * absolute path). The file is created 0600, never written through a symlink, and reopened when log rotation has
 * moved it away. A write that fails is logged (once a minute at most) and never affects the transfer.
 */
@Designate(ocd = TransferLog.Config.class)
@Component(service = TransferLog.class, configurationPid = TransferLog.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class TransferLog {

    public static final String PID = "dev.wharf.transferlog";
    private static final SettingDefinitions DEFINITIONS = SettingDefinitions.load(TransferLog.class, PID);

    /** The keys of {@code dev.wharf.transferlog}. */
    @ObjectClassDefinition(id = PID, name = "Wharf transfer log",
            description = "One line per upload or download in one of Pure-FTPd's log formats")
    public @interface Config {
        @AttributeDefinition(name = "Format",
                options = {@Option(label = "none", value = "none"), @Option(label = "clf", value = "clf"),
                    @Option(label = "stats", value = "stats"), @Option(label = "w3c", value = "w3c"),
                    @Option(label = "xferlog", value = "xferlog")},
                description = "One of Pure-FTPd's AltLog formats: xferlog, clf, stats, w3c; none turns the transfer log "
                        + "off")
        String format() default "xferlog";

        @AttributeDefinition(name = "File",
                description = "Absolute path; ${wharf.home} is the server directory")
        String file() default "${wharf.home}/var/log/xferlog";
    }
    private static final Logger LOG = LoggerFactory.getLogger(TransferLog.class);
    private static final long ROTATION_CHECK_NANOS = 1_000_000_000L;
    private static final long ERROR_REPORT_NANOS = 60_000_000_000L;

    /** A format and the file it goes to; {@code format == null} means no transfer log. */
    record Settings(TransferLogFormat format, Path file) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Clock clock;
    private String serverHome = System.getProperty("user.dir");
    private Settings settings = new Settings(null, null);
    private FileChannel channel;
    private Object openedFileKey;
    private long lastRotationCheck;
    private long lastErrorReport = System.nanoTime() - ERROR_REPORT_NANOS;

    public TransferLog() {
        this(Clock.systemDefaultZone());
    }

    public TransferLog(Clock clock) {
        this.clock = clock;
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        String home = context.getProperty("wharf.home");
        if (home != null) {
            serverHome = home;
        }
        configure(properties);
    }

    /** A bad value keeps the previous settings and is logged with its key. */
    @Modified
    public void configure(Map<String, ?> properties) {
        Settings parsed;
        try {
            parsed = parse(properties);
        } catch (InvalidSettingException invalid) {
            LOG.error("{} - keeping the previous transfer log settings", invalid.getMessage());
            return;
        }
        lock.lock();
        try {
            if (!parsed.equals(settings)) {
                closeChannel();
                settings = parsed;
                if (parsed.format() != null) {
                    LOG.info("Transfer log: {} format in {}", parsed.format().name().toLowerCase(java.util.Locale.ROOT),
                            parsed.file());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private Settings parse(Map<String, ?> properties) {
        ConfigValues values = new ConfigValues("Transfer log", properties, DEFINITIONS);
        String formatName = values.string("format");
        if (formatName.equalsIgnoreCase("none")) {
            return new Settings(null, null);
        }
        TransferLogFormat format = TransferLogFormat.named(formatName);
        if (format == null) {
            throw values.invalid("format", "none, clf, stats, w3c or xferlog");
        }
        Path file = Path.of(values.string("file")
                .replace("${wharf.home}", serverHome));
        if (!file.isAbsolute()) {
            throw values.invalid("file", "an absolute path");
        }
        return new Settings(format, file);
    }

    /** Appends the line for {@code record}; does nothing when no format is configured. */
    public void record(TransferRecord record) {
        lock.lock();
        try {
            TransferLogFormat format = settings.format();
            if (format == null) {
                return;
            }
            String line = format.line(record, ZoneId.systemDefault()) + "\n";
            try {
                FileChannel out = openChannel(format);
                ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            } catch (IOException failure) {
                closeChannel();
                long now = System.nanoTime();
                if (now - lastErrorReport >= ERROR_REPORT_NANOS) {
                    lastErrorReport = now;
                    LOG.error("Cannot write the transfer log {}: {}", settings.file(), failure.toString());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The open log, reopened when the file at the configured path is no longer the one we write to. */
    private FileChannel openChannel(TransferLogFormat format) throws IOException {
        Path file = settings.file();
        long now = System.nanoTime();
        if (channel != null && now - lastRotationCheck >= ROTATION_CHECK_NANOS) {
            lastRotationCheck = now;
            Object current = fileKey(file);
            if (!Objects.equals(current, openedFileKey)) {
                closeChannel(); // rotated or deleted: start a new file
            }
        }
        if (channel == null) {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            openedFileKey = fileKey(file);
            lastRotationCheck = now;
            if (channel.size() == 0) {
                String header = format.header(clock.instant());
                if (!header.isEmpty()) {
                    channel.write(ByteBuffer.wrap(header.getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
        return channel;
    }

    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // reopened on the next line
            }
            channel = null;
            openedFileKey = null;
        }
    }

    @Deactivate
    void deactivate() {
        lock.lock();
        try {
            closeChannel();
        } finally {
            lock.unlock();
        }
    }
}
