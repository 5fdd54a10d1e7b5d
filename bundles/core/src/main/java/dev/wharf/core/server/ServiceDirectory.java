package dev.wharf.core.server;

import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.hook.UploadHook;
import dev.wharf.api.storage.StorageProvider;
import dev.wharf.api.tls.CertificateProvider;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The SPI services currently registered, tracked with dynamic references so that backend bundles can come and
 * go without restarting listeners or sessions. This is the only place the core learns about backends.
 */
@Component(service = ServiceDirectory.class)
public class ServiceDirectory {

    /** A tracked service with what the core needs to order it. */
    public record Tracked<S>(S service, String name, int ranking, long serviceId) {
    }

    private static final Comparator<Tracked<?>> BY_RANKING =
            Comparator.<Tracked<?>>comparingInt(Tracked::ranking).reversed().thenComparingLong(Tracked::serviceId);

    private final List<Tracked<AuthBackend>> authBackends = new CopyOnWriteArrayList<>();
    private final List<Tracked<StorageProvider>> storageProviders = new CopyOnWriteArrayList<>();
    private final List<Tracked<UploadHook>> uploadHooks = new CopyOnWriteArrayList<>();
    private final List<Tracked<CertificateProvider>> certificateProviders = new CopyOnWriteArrayList<>();
    private final UploadHookDispatcher hookDispatcher = new UploadHookDispatcher(this::uploadHooks);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedAuthBackend")
    void addAuthBackend(AuthBackend backend, Map<String, Object> properties) {
        authBackends.add(track(backend, properties, AuthBackend.NAME_PROPERTY));
    }

    void updatedAuthBackend(AuthBackend backend, Map<String, Object> properties) {
        replace(authBackends, track(backend, properties, AuthBackend.NAME_PROPERTY));
    }

    void removeAuthBackend(AuthBackend backend) {
        authBackends.removeIf(tracked -> tracked.service() == backend);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedStorageProvider")
    void addStorageProvider(StorageProvider provider, Map<String, Object> properties) {
        storageProviders.add(track(provider, properties, StorageProvider.NAME_PROPERTY));
    }

    void updatedStorageProvider(StorageProvider provider, Map<String, Object> properties) {
        replace(storageProviders, track(provider, properties, StorageProvider.NAME_PROPERTY));
    }

    void removeStorageProvider(StorageProvider provider) {
        storageProviders.removeIf(tracked -> tracked.service() == provider);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedUploadHook")
    void addUploadHook(UploadHook hook, Map<String, Object> properties) {
        uploadHooks.add(track(hook, properties, "component.name"));
    }

    void updatedUploadHook(UploadHook hook, Map<String, Object> properties) {
        replace(uploadHooks, track(hook, properties, "component.name"));
    }

    void removeUploadHook(UploadHook hook) {
        uploadHooks.removeIf(tracked -> tracked.service() == hook);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedCertificateProvider")
    void addCertificateProvider(CertificateProvider provider, Map<String, Object> properties) {
        certificateProviders.add(track(provider, properties, CertificateProvider.NAME_PROPERTY));
    }

    void updatedCertificateProvider(CertificateProvider provider, Map<String, Object> properties) {
        replace(certificateProviders, track(provider, properties, CertificateProvider.NAME_PROPERTY));
    }

    void removeCertificateProvider(CertificateProvider provider) {
        certificateProviders.removeIf(tracked -> tracked.service() == provider);
    }

    /** Certificate providers by descending ranking: the first one with key material for a name serves it. */
    public List<Tracked<CertificateProvider>> certificateProviders() {
        return certificateProviders.stream().sorted(BY_RANKING).toList();
    }

    @Deactivate
    void deactivate() {
        hookDispatcher.close();
    }

    /**
     * The login chain: backends named in {@code order} first, in that order, then all others by descending
     * {@code service.ranking}.
     */
    public List<Tracked<AuthBackend>> authChain(List<String> order) {
        return authBackends.stream().sorted(Comparator.<Tracked<AuthBackend>>comparingInt(tracked -> {
            int position = order.indexOf(tracked.name());
            return position < 0 ? order.size() : position;
        }).thenComparing(BY_RANKING)).toList();
    }

    /** The storage provider with the highest ranking, if any. */
    public Optional<StorageProvider> storageProvider() {
        return storageProvider(null).map(Tracked::service);
    }

    /**
     * The storage provider registered as {@code name} ({@link StorageProvider#NAME_PROPERTY}) with the highest
     * ranking, or the highest-ranked of all when {@code name} is {@code null}.
     */
    public Optional<Tracked<StorageProvider>> storageProvider(String name) {
        return storageProviders.stream().filter(tracked -> name == null || name.equals(tracked.name()))
                .sorted(BY_RANKING).findFirst();
    }

    /** Whether the storage provider service {@code serviceId} is still registered (sessions on it may go on). */
    public boolean storageProviderPresent(long serviceId) {
        for (Tracked<StorageProvider> tracked : storageProviders) {
            if (tracked.serviceId() == serviceId) {
                return true;
            }
        }
        return false;
    }

    List<UploadHook> uploadHooks() {
        return uploadHooks.stream().sorted(BY_RANKING).map(Tracked::service).toList();
    }

    public UploadHookDispatcher hookDispatcher() {
        return hookDispatcher;
    }

    /** A service whose properties changed (a new name or ranking) takes its new place; its sessions stay. */
    private static <S> void replace(List<Tracked<S>> tracked, Tracked<S> changed) {
        tracked.replaceAll(entry -> entry.service() == changed.service() ? changed : entry);
    }

    private static <S> Tracked<S> track(S service, Map<String, Object> properties, String nameKey) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object name = properties.get(nameKey);
        Object id = properties.get(Constants.SERVICE_ID);
        return new Tracked<>(service, name == null ? service.getClass().getName() : name.toString(),
                ranking(ranking), id instanceof Long value ? value : 0L);
    }

    /**
     * {@code service.ranking} as an integer; also given as text (a configuration file's {@code service.ranking = 10}
     * without a type reaches the service as a string), which the framework itself would take as 0.
     */
    static int ranking(Object value) {
        if (value instanceof Integer number) {
            return number;
        }
        if (value instanceof String text) {
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException notANumber) {
                return 0;
            }
        }
        return 0;
    }
}
