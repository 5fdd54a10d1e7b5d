package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.launcher.FeatureDescriptor.BundleReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Capability;
import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;

/**
 * Every feature of the built distribution resolves in Felix beside the default ones, and all of them together: a
 * bundle missing from a feature, or a package no bundle exports, fails the build here rather than on an admin's
 * {@code bin/wharf feature add}.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FeatureResolutionIT {

    /** The features every server starts with (etc/features.properties as shipped). */
    private static final List<String> DEFAULTS = List.of("base", "core", "storage-local", "auth-passwd", "tls");

    @TempDir
    Path cache;

    private static Path home() {
        return Path.of(System.getProperty("wharf.directory", "target/wharf"));
    }

    static Stream<String> features() throws IOException {
        try (Stream<Path> files = Files.list(home().resolve("system/features"))) {
            List<String> names = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".json")).map(name -> name.substring(0, name.length() - 5))
                    .sorted().toList();
            assertTrue(names.containsAll(DEFAULTS), "the distribution's features: " + names);
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("features")
    void resolvesBesideTheDefaults(String feature) throws Exception {
        Set<String> names = new LinkedHashSet<>(DEFAULTS);
        names.add(feature);
        assertEquals(List.of(), unresolved(names));
    }

    @Test
    void allFeaturesResolveTogether() throws Exception {
        Set<String> names = new LinkedHashSet<>(DEFAULTS);
        names.addAll(features().toList());
        assertEquals(List.of(), unresolved(names));
    }

    /** The bundles of {@code names} that do not resolve, each with the requirement Felix could not meet. */
    private List<String> unresolved(Set<String> names) throws Exception {
        Path system = home().resolve("system");
        Set<String> locations = new LinkedHashSet<>();
        for (String name : names) {
            FeatureDescriptor feature = FeatureDescriptor.read(name, system.resolve("features/" + name + ".json"));
            assertFalse(feature.bundles().isEmpty(), name + " lists no bundles");
            for (BundleReference bundle : feature.bundles()) {
                assertTrue(Files.isRegularFile(bundle.file(system)), name + " needs " + bundle.file(system));
                locations.add(bundle.location(system));
            }
        }
        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow()
                .newFramework(properties(cache.resolve(String.join("+", names).replace('/', '_'))));
        framework.init();
        try {
            List<Bundle> bundles = new ArrayList<>();
            for (String location : locations) {
                bundles.add(framework.getBundleContext().installBundle(location));
            }
            framework.adapt(FrameworkWiring.class).resolveBundles(bundles);
            List<Bundle> offered = new ArrayList<>(bundles);
            offered.add(framework);
            List<String> problems = new ArrayList<>();
            for (Bundle bundle : bundles) {
                if (bundle.getState() == Bundle.INSTALLED) {
                    List<String> missing = missingRequirements(bundle, offered);
                    problems.add(bundle.getSymbolicName() + " does not resolve: "
                            + (missing.isEmpty() ? "conflicting package uses" : String.join("; ", missing)));
                }
            }
            return problems;
        } finally {
            framework.stop();
            framework.waitForStop(30_000);
        }
    }

    /** The mandatory requirements of {@code bundle} that no capability of {@code offered} meets. */
    private static List<String> missingRequirements(Bundle bundle, List<Bundle> offered) throws Exception {
        List<String> missing = new ArrayList<>();
        for (Requirement requirement : bundle.adapt(BundleRevision.class).getRequirements(null)) {
            Map<String, String> directives = requirement.getDirectives();
            if (Namespace.RESOLUTION_OPTIONAL.equals(directives.get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))
                    || !Namespace.EFFECTIVE_RESOLVE.equals(directives.getOrDefault(
                            Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE, Namespace.EFFECTIVE_RESOLVE))) {
                continue;
            }
            String text = directives.get(Namespace.REQUIREMENT_FILTER_DIRECTIVE);
            Filter filter = text == null ? null : FrameworkUtil.createFilter(text);
            boolean met = false;
            for (Bundle candidate : offered) {
                for (Capability capability : candidate.adapt(BundleRevision.class)
                        .getCapabilities(requirement.getNamespace())) {
                    met |= filter == null || filter.matches(capability.getAttributes());
                }
            }
            if (!met) {
                missing.add(requirement.getNamespace() + " " + text);
            }
        }
        return missing;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<String, String> properties(Path storage) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // as the launcher does: SLF4J comes from the class path
        properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, WharfLauncher.SYSTEM_PACKAGES_EXTRA);
        properties.put("felix.log.level", "1");
        return (Map) properties;
    }
}
