package dev.wharf.launcher;

import dev.wharf.launcher.FeatureDescriptor.BundleReference;
import dev.wharf.launcher.FeatureDescriptor.InvalidFeatureException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The features of a running server follow {@code etc/features.properties}: the file is checked every second, and a
 * feature added there has its default configuration written (once, as at first start) and its bundles installed
 * and started; a feature removed there has the bundles no other feature needs stopped and uninstalled. So
 * {@code bin/wharf feature add auth-pgsql} (or an editor) takes effect without a restart.
 */
final class LiveFeatures {

    private static final Logger LOG = LoggerFactory.getLogger(LiveFeatures.class);
    private static final long POLL_MILLIS = 1000;

    private final Path home;
    private final BundleContext context;
    private final Map<String, FeatureDescriptor> active = new LinkedHashMap<>();
    private Object stamp;

    LiveFeatures(Path home, BundleContext context, List<FeatureDescriptor> bootFeatures) throws IOException {
        this.home = home;
        this.context = context;
        bootFeatures.forEach(feature -> active.put(feature.name(), feature));
        // the boot features were read before the framework started; a stamp taken now would already include an
        // edit made meanwhile (bin/wharf feature add right after the listener came up), which would then never be
        // applied. So the first poll always reads the file; features already active are left as they are.
        stamp = "not read yet";
    }

    static Path featuresFile(Path home) {
        return home.resolve("etc/features.properties");
    }

    private Path featuresFile() {
        return featuresFile(home);
    }

    /** Feature names from the file, in order, without duplicates. */
    static List<String> readNames(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return Arrays.stream(properties.getProperty("features", "").split(",")).map(String::strip)
                .filter(name -> !name.isEmpty()).distinct().toList();
    }

    void startWatching() {
        Thread watcher = new Thread(this::watch, "wharf-features");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(POLL_MILLIS);
                Object current = stamp(featuresFile());
                if (!current.equals(stamp)) {
                    stamp = current;
                    apply(readNames(featuresFile()));
                }
            } catch (InterruptedException stop) {
                return;
            } catch (IOException | RuntimeException failure) {
                LOG.warn("Cannot apply {}: {}", featuresFile(), failure.toString());
            }
        }
    }

    /** Brings the installed bundles in line with {@code wanted}; a broken descriptor leaves its feature out. */
    synchronized void apply(List<String> wanted) throws IOException {
        Map<String, FeatureDescriptor> added = new LinkedHashMap<>();
        for (String name : wanted) {
            if (active.containsKey(name)) {
                continue;
            }
            try {
                FeatureDescriptor feature = FeatureDescriptor.read(name, home.resolve("system/features/" + name
                        + ".json"));
                for (BundleReference bundle : feature.bundles()) {
                    if (!Files.isRegularFile(bundle.file(home.resolve("system")))) {
                        throw new InvalidFeatureException("Feature '" + name + "' needs " + bundle
                                + ", which is missing from system/", null);
                    }
                }
                added.put(name, feature);
            } catch (InvalidFeatureException broken) {
                LOG.error("Feature '{}' not added: {}", name, broken.getMessage());
            }
        }
        List<String> removed = active.keySet().stream().filter(name -> !wanted.contains(name)).toList();
        for (String name : removed) {
            remove(name);
        }
        for (FeatureDescriptor feature : added.values()) {
            add(feature);
        }
    }

    private void add(FeatureDescriptor feature) throws IOException {
        Path etc = home.resolve("etc");
        for (Map.Entry<String, Map<String, String>> configuration : feature.configurations().entrySet()) {
            if (ConfigFiles.writeIfMissing(etc, feature.name(), configuration.getKey(), configuration.getValue())) {
                LOG.info("Wrote default configuration {}", ConfigFiles.fileFor(etc, configuration.getKey()));
            }
        }
        // install everything first, so that optional imports between the new bundles are wired at resolution
        List<Bundle> installed = new ArrayList<>();
        int highestLevel = 1;
        for (BundleReference reference : feature.bundles()) {
            String location = reference.location(home.resolve("system"));
            try {
                Bundle bundle = context.getBundle(location);
                if (bundle == null) {
                    bundle = context.installBundle(location);
                    bundle.adapt(BundleStartLevel.class).setStartLevel(reference.startOrder());
                }
                installed.add(bundle);
                highestLevel = Math.max(highestLevel, reference.startOrder());
            } catch (BundleException failure) {
                LOG.error("Feature '{}': bundle {} not installed: {}", feature.name(), reference,
                        failure.getMessage());
            }
        }
        FrameworkStartLevel frameworkLevel = context.getBundle(0).adapt(FrameworkStartLevel.class);
        if (frameworkLevel.getStartLevel() < highestLevel) {
            frameworkLevel.setStartLevel(highestLevel);
        }
        for (Bundle bundle : installed) {
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                try {
                    bundle.start();
                } catch (BundleException failure) {
                    LOG.error("Bundle {} did not start: {}", bundle.getSymbolicName(), failure.getMessage());
                }
            }
        }
        active.put(feature.name(), feature);
        LOG.info("Feature '{}' added ({} bundles)", feature.name(), installed.size());
    }

    private void remove(String name) {
        FeatureDescriptor feature = active.remove(name);
        Set<String> stillNeeded = new HashSet<>();
        for (FeatureDescriptor other : active.values()) {
            for (BundleReference reference : other.bundles()) {
                stillNeeded.add(reference.location(home.resolve("system")));
            }
        }
        List<Bundle> uninstalled = new ArrayList<>();
        List<BundleReference> references = new ArrayList<>(feature.bundles());
        java.util.Collections.reverse(references);
        for (BundleReference reference : references) {
            String location = reference.location(home.resolve("system"));
            Bundle bundle = context.getBundle(location);
            if (bundle == null || stillNeeded.contains(location)) {
                continue;
            }
            try {
                bundle.uninstall();
                uninstalled.add(bundle);
            } catch (BundleException | IllegalStateException failure) {
                LOG.warn("Feature '{}': bundle {} not uninstalled: {}", name, bundle.getSymbolicName(),
                        failure.getMessage());
            }
        }
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(uninstalled);
        LOG.info("Feature '{}' removed ({} bundles uninstalled; its etc/ configuration is kept)", name,
                uninstalled.size());
    }

    private static Object stamp(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "missing";
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/" + attributes.fileKey();
    }
}
