package dev.wharf.tls.files;

import dev.wharf.api.tls.CertificateDeniedException;
import dev.wharf.api.tls.CertificateProvider;
import dev.wharf.api.tls.KeyMaterial;
import dev.wharf.tls.keyfiles.KeyFileException;
import dev.wharf.tls.keyfiles.KeyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates from PEM and PKCS#12 files, chosen by the SNI name a client asks for; reloaded when a file changes
 * (checked every few seconds, which also catches a renewal tool swapping a symlink). A broken file keeps the
 * certificates loaded before; with nothing loaded this provider stays silent and the next one answers.
 */
@Component(service = CertificateProvider.class, configurationPid = FilesCertificateProvider.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {CertificateProvider.NAME_PROPERTY + "=files", "service.ranking:Integer=0"})
@Designate(ocd = FilesCertificateProvider.Config.class)
public class FilesCertificateProvider implements CertificateProvider {

    static final String PID = "dev.wharf.tls.files";
    private static final String HOME_VARIABLE = "${wharf.home}";
    private static final Logger LOG = LoggerFactory.getLogger(FilesCertificateProvider.class);
    private static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    @ObjectClassDefinition(name = "Wharf certificates from files")
    public @interface Config {
        @AttributeDefinition(description = "PEM files (certificates and keys, together as in pure-ftpd.pem or apart) "
                + "and PKCS#12 files")
        String[] files() default "/etc/ssl/private/pure-ftpd.pem";

        @AttributeDefinition(type = AttributeType.PASSWORD,
                description = "Password of the PKCS#12 files and of encrypted PEM keys")
        String password() default "";

        @AttributeDefinition(description = "Host name whose certificate serves clients that send no or an unknown "
                + "SNI name; empty: the first certificate")
        String default_name() default "";

        @AttributeDefinition(description = "Refuse the handshake when the SNI name is on none of the certificates")
        boolean sni_strict() default false;

        @AttributeDefinition(description = "Seconds between checks for changed files; 0 turns reloading off")
        int reload_seconds() default 10;
    }

    /** The certificates of one load, each with the host names it carries. */
    record Loaded(List<Entry> entries, Entry fallback) {
    }

    record Entry(KeyMaterial material, List<String> names) {
    }

    private final List<Path> files;
    private final char[] password;
    private final String defaultName;
    private final boolean strict;
    private final ScheduledExecutorService reloader;
    private volatile Loaded loaded;
    /** Path, modification time and size of each file at the last load attempt, good or bad. */
    private volatile List<String> attempted = List.of();

    @Activate
    public FilesCertificateProvider(BundleContext context, Config config) {
        String home = context == null ? null : context.getProperty("wharf.home");
        String base = home != null ? home : System.getProperty("user.dir");
        List<Path> paths = new ArrayList<>();
        // a .cfg file gives one comma-separated string, a typed configuration an array
        for (String entry : config.files() == null ? new String[0] : config.files()) {
            for (String file : entry.split(",")) {
                if (!file.isBlank()) {
                    paths.add(Path.of(file.strip().replace(HOME_VARIABLE, base)));
                }
            }
        }
        this.files = List.copyOf(paths);
        this.password = config.password().toCharArray();
        this.defaultName = config.default_name().strip().toLowerCase(java.util.Locale.ROOT);
        this.strict = config.sni_strict();
        if (files.isEmpty()) {
            LOG.error("TLS files: no 'files' configured in {}; this provider serves no certificate", PID);
        } else {
            reload();
        }
        if (config.reload_seconds() > 0 && !files.isEmpty()) {
            reloader = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "wharf-tls-files-reload");
                thread.setDaemon(true);
                return thread;
            });
            reloader.scheduleWithFixedDelay(this::reloadIfChanged, config.reload_seconds(), config.reload_seconds(),
                    TimeUnit.SECONDS);
        } else {
            reloader = null;
        }
    }

    @Deactivate
    void deactivate() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
        Arrays.fill(password, '\0');
    }

    @Override
    public Optional<KeyMaterial> keyMaterial(String serverName) throws CertificateDeniedException {
        Loaded current = loaded;
        if (current == null) {
            return Optional.empty();
        }
        if (serverName != null) {
            for (Entry entry : current.entries()) {
                if (entry.names().stream().anyMatch(name -> KeyFiles.nameMatches(name, serverName))) {
                    return Optional.of(entry.material());
                }
            }
            if (strict) {
                throw new CertificateDeniedException("no certificate for " + serverName + " and sni.strict is on");
            }
        }
        return Optional.of(current.fallback().material());
    }

    private void reloadIfChanged() {
        if (!attempted.equals(fingerprint())) {
            reload();
        }
    }

    /** Loads all files; on failure keeps what was loaded before. */
    synchronized void reload() {
        attempted = fingerprint();
        try {
            List<Entry> entries = new ArrayList<>();
            for (KeyMaterial material : KeyFiles.load(files, password)) {
                entries.add(new Entry(material, KeyFiles.serverNames(material.chain().get(0))));
            }
            Entry fallback = entries.stream()
                    .filter(entry -> !defaultName.isEmpty()
                            && entry.names().stream().anyMatch(name -> KeyFiles.nameMatches(name, defaultName)))
                    .findFirst().orElse(entries.get(0));
            if (!defaultName.isEmpty() && !fallback.names().stream()
                    .anyMatch(name -> KeyFiles.nameMatches(name, defaultName))) {
                LOG.warn("TLS files: no certificate carries default.name '{}'; the first one serves as default",
                        defaultName);
            }
            boolean first = loaded == null;
            loaded = new Loaded(List.copyOf(entries), fallback);
            for (Entry entry : entries) {
                warnAboutValidity(entry);
            }
            LOG.info("TLS files: {} {} certificate(s) from {}: {}", first ? "serving" : "reloaded", entries.size(),
                    files, entries.stream().map(entry -> entry.material().privateKey().getAlgorithm() + " "
                            + entry.names()).toList());
        } catch (KeyFileException failure) {
            LOG.error("TLS files: {}; {}", failure.getMessage(), loaded == null
                    ? "no certificate from this provider until the files are fixed"
                    : "still serving the certificates loaded before");
        }
    }

    private List<String> fingerprint() {
        List<String> parts = new ArrayList<>();
        for (Path file : files) {
            try {
                Path real = file.toRealPath();
                parts.add(real + "|" + Files.getLastModifiedTime(real).toMillis() + "|" + Files.size(real));
            } catch (IOException missing) {
                parts.add(file + "|missing");
            }
        }
        return parts;
    }

    private static void warnAboutValidity(Entry entry) {
        X509Certificate leaf = entry.material().chain().get(0);
        Instant now = Instant.now();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (notAfter.isBefore(now)) {
            LOG.warn("TLS files: the certificate for {} expired on {}", entry.names(), notAfter);
        } else if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
            LOG.warn("TLS files: the certificate for {} expires on {}", entry.names(), notAfter);
        } else if (leaf.getNotBefore().toInstant().isAfter(now)) {
            LOG.warn("TLS files: the certificate for {} is not valid before {}", entry.names(),
                    leaf.getNotBefore().toInstant());
        }
    }
}
