package dev.wharf.launcher;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * At start, waits until every listener of {@code etc/dev.wharf.listener-*.cfg} has tried to bind, as the core's
 * health service tells, so that {@code bin/wharf run} can refuse to run with nothing listening: a server that
 * looks started but serves nobody would hide a taken port or a typo from the init system.
 */
final class StartupCheck {

    /** The core's health service; read by name, as the launcher does not share the core's classes. */
    static final String HEALTH_SERVICE = "dev.wharf.core.server.ServerHealth";
    private static final long WAIT_MILLIS = 30_000;
    private static final String LISTENER_FILE_PREFIX = "dev.wharf.listener-";

    /** What the listeners came to: some bound, or none and why. */
    record Outcome(boolean anyBound, List<String> failures, boolean checked) {
    }

    private StartupCheck() {
    }

    /** The listener names configured in {@code etc}: {@code main} for {@code dev.wharf.listener-main.cfg}. */
    static List<String> configuredListeners(Path etc) throws IOException {
        if (!Files.isDirectory(etc)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(etc)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.startsWith(LISTENER_FILE_PREFIX) && name.endsWith(".cfg"))
                    .map(name -> name.substring(LISTENER_FILE_PREFIX.length(), name.length() - ".cfg".length()))
                    .sorted().toList();
        }
    }

    /**
     * Waits (at most 30 s) until each of {@code names} has a state in the health service. Without the core (no
     * health service) or without listener files there is nothing to wait for: {@code checked} is false.
     */
    static Outcome await(BundleContext context, List<String> names) throws InterruptedException {
        if (names.isEmpty()) {
            return new Outcome(false, List.of(), false);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        Map<String, String> states = Map.of();
        boolean healthSeen = false;
        while (System.nanoTime() < deadline) {
            Map<String, String> current = listenerStates(context);
            if (current != null) {
                healthSeen = true;
                states = current;
                if (states.keySet().containsAll(names)) {
                    break;
                }
            }
            Thread.sleep(100);
        }
        if (!healthSeen) {
            return new Outcome(false, List.of(), false);
        }
        Map<String, String> seen = states;
        boolean anyBound = seen.values().stream().anyMatch(state -> state.startsWith("up "));
        List<String> failures = names.stream().map(name -> {
            String state = seen.get(name);
            if (state == null) {
                return "Listener '" + name + "' did not start within " + WAIT_MILLIS / 1000 + " s";
            }
            return state.startsWith("failed: ") ? state.substring("failed: ".length()) : null;
        }).filter(failure -> failure != null).toList();
        return new Outcome(anyBound, failures, true);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> listenerStates(BundleContext context) {
        ServiceReference<?> reference = context.getServiceReference(HEALTH_SERVICE);
        if (reference == null) {
            return null;
        }
        Object health = context.getService(reference);
        if (health == null) {
            return null;
        }
        try {
            Method states = health.getClass().getMethod("listenerStates");
            return (Map<String, String>) states.invoke(health);
        } catch (ReflectiveOperationException | ClassCastException unexpected) {
            return null;
        } finally {
            context.ungetService(reference);
        }
    }
}
