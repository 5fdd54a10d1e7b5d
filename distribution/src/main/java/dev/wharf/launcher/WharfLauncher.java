package dev.wharf.launcher;

import dev.wharf.launcher.FeatureDescriptor.BundleReference;
import dev.wharf.launcher.FeatureDescriptor.InvalidFeatureException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Starts the Wharf server: an embedded Felix framework with the bundles of the features listed in
 * {@code etc/features.properties} (followed live by {@link LiveFeatures}), FileInstall applying {@code etc/*.cfg}
 * live, and SLF4J with Logback on the class path so that every bundle's log lines reach the console.
 */
public final class WharfLauncher {

    static final String SLF4J_VERSION = "2.0.17";
    /** The last slf4j 1.x API version, under which org.slf4j is exported a second time for 1.7 importers. */
    static final String SLF4J_1_COMPATIBLE = "1.7.36";
    /** The Logback on the class path (the root pom's logback.version). */
    static final String LOGBACK_VERSION = "1.5.38";
    /**
     * What the class path gives the bundles: SLF4J, also under 1.7 (the Felix Web Console imports [1.7,2)), and
     * Logback's level API for the logging bundle.
     */
    static final String SYSTEM_PACKAGES_EXTRA = String.join(",",
            "org.slf4j;version=" + SLF4J_VERSION, "org.slf4j.event;version=" + SLF4J_VERSION,
            "org.slf4j.helpers;version=" + SLF4J_VERSION, "org.slf4j.spi;version=" + SLF4J_VERSION,
            // slf4j 2's API is a superset of 1.7's
            "org.slf4j;version=" + SLF4J_1_COMPATIBLE,
            "ch.qos.logback.classic;version=" + LOGBACK_VERSION);
    private static final long STOP_TIMEOUT_MILLIS = 30_000;

    private final Path home;
    private final Logger log;
    /** Start-up and the shutdown hook take turns: SIGTERM during start-up stops a fully started framework. */
    private final Object lifecycle = new Object();
    private boolean stopRequested;

    private WharfLauncher(Path home) {
        this.home = home;
        this.log = LoggerFactory.getLogger(WharfLauncher.class);
    }

    public static void main(String[] args) {
        Path home = serverHome();
        configureLogging();
        // data connections resume the control TLS session: TLS 1.2 through the session cache (JSSE's 1.2 tickets
        // do not resume), TLS 1.3 through stateless tickets (reusable); see the core's TlsEngine
        setDefault("jdk.tls.server.disableExtensions", "session_ticket");
        // a TLS upload cut without close_notify is an incomplete file, not a finished one
        setDefault("com.sun.net.ssl.requireCloseNotify", "true");
        // a TLS 1.2 client asking for one full handshake after another costs the server for nothing: refused
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        WharfLauncher launcher = new WharfLauncher(home);
        try {
            launcher.run();
        } catch (InvalidFeatureException | BundleException | IOException failure) {
            launcher.log.error("Wharf cannot start: {}", failure.getMessage());
            System.exit(1);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() throws InvalidFeatureException, BundleException, IOException, InterruptedException {
        long started = System.nanoTime();
        List<String> featureNames = bootFeatures();
        List<FeatureDescriptor> features = new ArrayList<>();
        for (String name : featureNames) {
            features.add(FeatureDescriptor.read(name, home.resolve("system/features/" + name + ".json")));
        }
        writeDefaultConfigurations(features);
        Files.createDirectories(home.resolve("deploy"));
        Files.createDirectories(home.resolve("var/log"));

        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new BundleException("no OSGi framework on the class path"))
                .newFramework(frameworkProperties(highestStartOrder(features)));
        framework.init();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(framework), "wharf-shutdown"));
        synchronized (lifecycle) {
            if (stopRequested) {
                return;
            }
            installAndStart(framework.getBundleContext(), features);
            framework.start();
            new LiveFeatures(home, framework.getBundleContext(), features).startWatching();
        }
        StartupCheck.Outcome listeners = StartupCheck.await(framework.getBundleContext(),
                StartupCheck.configuredListeners(home.resolve("etc")));
        listeners.failures().forEach(failure -> log.error("{}", failure));
        if (listeners.checked() && !listeners.anyBound()) {
            stop(framework);
            throw new BundleException("no listener could bind, so nobody could connect (see above: fix the file and"
                    + " key named there, then start again)");
        }
        log.info("Wharf {} started in {} ms from {} (features: {})", version(),
                (System.nanoTime() - started) / 1_000_000, home, String.join(", ", featureNames));
        FrameworkEvent stopped = framework.waitForStop(0);
        if (stopped.getType() == FrameworkEvent.ERROR) {
            log.error("The OSGi framework stopped with an error", stopped.getThrowable());
        }
    }

    private List<String> bootFeatures() throws IOException {
        return LiveFeatures.readNames(LiveFeatures.featuresFile(home));
    }

    private void writeDefaultConfigurations(List<FeatureDescriptor> features) throws IOException {
        Path etc = home.resolve("etc");
        for (FeatureDescriptor feature : features) {
            for (Map.Entry<String, Map<String, String>> configuration : feature.configurations().entrySet()) {
                if (ConfigFiles.writeIfMissing(etc, feature.name(), configuration.getKey(), configuration.getValue())) {
                    log.info("Wrote default configuration {}", ConfigFiles.fileFor(etc, configuration.getKey()));
                }
            }
        }
    }

    /** Felix takes objects as well as strings, which {@link FrameworkFactory}'s signature hides. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Map<String, String> frameworkProperties(int beginningStartLevel) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("felix.log.logger", new FrameworkLog());
        // features' start-order values become start levels; the framework climbs to the highest of them
        properties.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(beginningStartLevel));
        properties.put(Constants.FRAMEWORK_STORAGE, home.resolve("var/cache").toString());
        // etc/ and deploy/ are the truth: the cache is rebuilt from them at every start
        properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SYSTEM_PACKAGES_EXTRA);
        // Felix HTTP starts Jetty only once etc/org.apache.felix.http.cfg is read, never on its own defaults
        // (every interface, port 8080) for the moment before
        properties.put("org.apache.felix.http.require.config", "true");
        // the Web Console is served only while the webconsole feature's login is registered, and never takes its
        // built-in admin/admin
        properties.put("felix.webconsole.security.providers", "wharf");
        properties.put("wharf.home", home.toString());
        properties.put("felix.fileinstall.dir", home.resolve("etc").toString());
        properties.put("felix.fileinstall.filter", ".*\\.cfg");
        properties.put("felix.fileinstall.poll", "1000");
        properties.put("felix.fileinstall.noInitialDelay", "true");
        // info: "Updating configuration {pid} from <file>" tells an admin that an edit was taken
        properties.put("felix.fileinstall.log.level", "3");
        properties.put("felix.fileinstall.log.default", "jul");
        properties.put("felix.fileinstall.enableConfigSave", "true");
        if (!Boolean.getBoolean("wharf.console")) {
            // Gogo's interactive shell stops the server when standard input closes (services, nohup)
            properties.put("gosh.args", "--nointeractive");
        }
        return (Map) properties;
    }

    private static int highestStartOrder(List<FeatureDescriptor> features) {
        return features.stream().flatMap(feature -> feature.bundles().stream())
                .mapToInt(BundleReference::startOrder).max().orElse(1);
    }

    /**
     * Installs every feature's bundles from {@code system/} at the start level given by their start order and marks
     * them started; the framework then starts them level by level.
     */
    private void installAndStart(BundleContext context, List<FeatureDescriptor> features)
            throws BundleException {
        Path system = home.resolve("system");
        Map<String, BundleReference> wanted = new LinkedHashMap<>();
        for (FeatureDescriptor feature : features) {
            for (BundleReference bundle : feature.bundles()) {
                if (!Files.isRegularFile(bundle.file(system))) {
                    throw new BundleException("Feature '" + feature.name() + "' needs " + bundle
                            + ", which is missing from " + bundle.file(system));
                }
                wanted.putIfAbsent(bundle.location(system), bundle);
            }
        }
        for (Map.Entry<String, BundleReference> entry : wanted.entrySet()) {
            Bundle bundle = context.installBundle(entry.getKey());
            bundle.adapt(BundleStartLevel.class).setStartLevel(entry.getValue().startOrder());
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                try {
                    bundle.start();
                } catch (BundleException failure) {
                    log.error("Bundle {} did not start: {}", bundle.getSymbolicName(), failure.getMessage());
                }
            }
        }
    }

    private void stop(Framework framework) {
        synchronized (lifecycle) {
            stopRequested = true;
        }
        if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
            return; // never started, or already stopped from inside, e.g. Gogo's "stop 0"
        }
        try {
            log.info("Wharf stopping");
            framework.stop();
            framework.waitForStop(STOP_TIMEOUT_MILLIS);
            log.info("Wharf stopped");
        } catch (BundleException | InterruptedException failure) {
            log.warn("Clean stop failed: {}", failure.toString());
        }
    }

    /** {@code -Dwharf.home}, else the directory above {@code lib/} holding this jar. */
    private static Path serverHome() {
        String configured = System.getProperty("wharf.home");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        try {
            Path jar = Path.of(WharfLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().getParent().toAbsolutePath().normalize();
        } catch (URISyntaxException | NullPointerException unknown) {
            return Path.of("").toAbsolutePath();
        }
    }

    /** {@link ConsoleLogging} reads these once, when the first logger is made; an admin's -D options win. */
    private static void configureLogging() {
        // the console appender looks System.out up at every line: escape what clients can put into log lines
        System.setOut(escaping(java.io.FileDescriptor.out));
        System.setErr(escaping(java.io.FileDescriptor.err)); // uncaught exceptions are printed there
        setDefault(ConsoleLogging.TARGET_PROPERTY, "stdout");
        // java.util.logging (FileInstall, the JDK) into the same log instead of its two-line stderr format
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    private static java.io.PrintStream escaping(java.io.FileDescriptor descriptor) {
        return new java.io.PrintStream(new EscapingOutputStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(descriptor), 8192)), true, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static String version() {
        String version = WharfLauncher.class.getPackage().getImplementationVersion();
        return version != null ? version : "(development)";
    }
}
