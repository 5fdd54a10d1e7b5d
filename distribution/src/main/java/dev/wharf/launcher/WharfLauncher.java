package dev.wharf.launcher;

import dev.wharf.launcher.FeatureDescriptor.BundleReference;
import dev.wharf.launcher.FeatureDescriptor.InvalidFeatureException;
import java.io.IOException;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the Wharf server: an embedded Felix framework with the bundles of the features listed in
 * {@code etc/features.properties}, FileInstall applying {@code etc/*.cfg} live, and SLF4J on the class path so that
 * every bundle's log lines reach the console.
 */
public final class WharfLauncher {

    static final String SLF4J_VERSION = "2.0.17";
    private static final long STOP_TIMEOUT_MILLIS = 30_000;

    private final Path home;
    private final Logger log;

    private WharfLauncher(Path home) {
        this.home = home;
        this.log = LoggerFactory.getLogger(WharfLauncher.class);
    }

    public static void main(String[] args) {
        Path home = serverHome();
        configureLogging();
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
                .newFramework(frameworkProperties());
        framework.init();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(framework), "wharf-shutdown"));
        installAndStart(framework.getBundleContext(), features);
        framework.start();
        log.info("Wharf {} started in {} ms from {} (features: {})", version(),
                (System.nanoTime() - started) / 1_000_000, home, String.join(", ", featureNames));
        FrameworkEvent stopped = framework.waitForStop(0);
        if (stopped.getType() == FrameworkEvent.ERROR) {
            log.error("The OSGi framework stopped with an error", stopped.getThrowable());
        }
    }

    private List<String> bootFeatures() throws IOException {
        Path file = home.resolve("etc/features.properties");
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return Arrays.stream(properties.getProperty("features", "").split(",")).map(String::strip)
                .filter(name -> !name.isEmpty()).toList();
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

    private Map<String, String> frameworkProperties() {
        Map<String, String> properties = new HashMap<>();
        properties.put(Constants.FRAMEWORK_STORAGE, home.resolve("var/cache").toString());
        // etc/ and deploy/ are the truth: the cache is rebuilt from them at every start
        properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, String.join(",",
                "org.slf4j;version=" + SLF4J_VERSION, "org.slf4j.event;version=" + SLF4J_VERSION,
                "org.slf4j.helpers;version=" + SLF4J_VERSION, "org.slf4j.spi;version=" + SLF4J_VERSION));
        properties.put("wharf.home", home.toString());
        properties.put("felix.fileinstall.dir", home.resolve("etc").toString());
        properties.put("felix.fileinstall.filter", ".*\\.cfg");
        properties.put("felix.fileinstall.poll", "1000");
        properties.put("felix.fileinstall.noInitialDelay", "true");
        properties.put("felix.fileinstall.log.level", "2");
        properties.put("felix.fileinstall.enableConfigSave", "true");
        if (!Boolean.getBoolean("wharf.console")) {
            // Gogo's interactive shell stops the server when standard input closes (services, nohup)
            properties.put("gosh.args", "--nointeractive");
        }
        return properties;
    }

    /** Installs every feature's bundles from {@code system/}, then starts them in start order. */
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
                wanted.putIfAbsent(bundle.file(system).toUri().toString(), bundle);
            }
        }
        List<Map.Entry<Bundle, Integer>> installed = new ArrayList<>();
        for (Map.Entry<String, BundleReference> entry : wanted.entrySet()) {
            installed.add(Map.entry(context.installBundle(entry.getKey()), entry.getValue().startOrder()));
        }
        installed.sort(Comparator.comparingInt(Map.Entry::getValue));
        for (Map.Entry<Bundle, Integer> entry : installed) {
            Bundle bundle = entry.getKey();
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
        try {
            log.info("Wharf stopping");
            framework.stop();
            framework.waitForStop(STOP_TIMEOUT_MILLIS);
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

    /** slf4j-simple reads these once, when the first logger is made; an admin's -D options win. */
    private static void configureLogging() {
        setDefault("org.slf4j.simpleLogger.logFile", "System.out");
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        setDefault("org.slf4j.simpleLogger.levelInBrackets", "false");
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
