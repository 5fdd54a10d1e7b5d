package dev.wharf.core.server;

import dev.wharf.api.admin.ServerAdmin.HealthItem;
import dev.wharf.api.health.HealthCheck;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Whether the server can serve: every configured listener bound, at least one auth backend and a storage provider
 * present, and every {@link HealthCheck} (user databases, directories) passing. {@code bin/wharf status} prints
 * {@link #report()}; the launcher reads {@link #listenerStates()} at start to refuse running with nothing bound.
 */
@Component(service = ServerHealth.class, immediate = true)
public final class ServerHealth {

    private record NamedCheck(HealthCheck check, String name) {
    }

    private final ServiceDirectory services;
    private final List<FtpListener> listeners = new CopyOnWriteArrayList<>();
    private final List<NamedCheck> checks = new CopyOnWriteArrayList<>();

    @Activate
    public ServerHealth(@Reference ServiceDirectory services) {
        this.services = services;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addListener(FtpListener listener) {
        listeners.add(listener);
    }

    void removeListener(FtpListener listener) {
        listeners.remove(listener);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addCheck(HealthCheck check, Map<String, Object> properties) {
        Object name = properties.get(HealthCheck.NAME_PROPERTY);
        checks.add(new NamedCheck(check, name != null ? name.toString() : check.getClass().getName()));
    }

    void removeCheck(HealthCheck check) {
        checks.removeIf(named -> named.check() == check);
    }

    /** Every listener by name: {@code up 127.0.0.1:2121}, or {@code failed: <why, naming the file and key>}. */
    public Map<String, String> listenerStates() {
        Map<String, String> states = new LinkedHashMap<>();
        listeners.stream().sorted(Comparator.comparing(FtpListener::name)).forEach(listener -> {
            String bound = listener.boundAddress();
            states.put(listener.name(), bound != null ? "up " + bound
                    : "failed: " + (listener.failure() != null ? listener.failure() : "not listening"));
        });
        return states;
    }

    /** Checks everything now (the health checks included, one after the other). */
    public List<HealthItem> check() {
        List<HealthItem> items = new ArrayList<>();
        Map<String, String> states = listenerStates();
        if (states.isEmpty()) {
            items.add(new HealthItem("listeners", false, "no listener is configured (etc/dev.wharf.listener-*.cfg)"));
        }
        states.forEach((name, state) -> items.add(new HealthItem("listener " + name, state.startsWith("up "), state)));
        List<String> backends = services.authChain(List.of()).stream().map(ServiceDirectory.Tracked::name).toList();
        items.add(new HealthItem("auth backends", !backends.isEmpty(),
                backends.isEmpty() ? "none: every login gets 421 (add a feature such as auth-passwd)"
                        : String.join(", ", backends)));
        boolean storage = services.storageProvider().isPresent();
        items.add(new HealthItem("storage", storage, storage ? "present"
                : "no storage provider: every login gets 421 (add the storage-local feature)"));
        for (NamedCheck named : checks) {
            HealthCheck.Result result;
            try {
                result = named.check().check();
            } catch (RuntimeException bug) {
                result = HealthCheck.Result.failing("the check failed: " + bug);
            }
            items.add(new HealthItem(named.name(), result.ok(), result.detail()));
        }
        return items;
    }

    /** One line per item, then {@code health: OK} or {@code health: FAILING (n problems)}. */
    public String report() {
        return HealthItem.report(check());
    }

    public boolean healthy() {
        return HealthItem.healthy(check());
    }
}
