package org.example.wharf.memory;

import dev.wharf.api.auth.Account;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageProvider;
import java.io.IOException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Keeps each account's files in memory: a reference for writing a Wharf storage provider. What a provider must do:
 *
 * <ol>
 *   <li>Register a {@link StorageProvider} service with the {@link StorageProvider#NAME_PROPERTY} property. An
 *       account is served by the provider its {@code storage} attribute names; accounts that name none go to the
 *       highest {@code service.ranking}. This one ranks low and refuses accounts that do not name it: while the
 *       local storage is being updated, their files must not land in memory and be lost.</li>
 *   <li>In {@link #open}, called at each login, return a {@link Storage} for that session; an
 *       {@link IOException} refuses the login with {@code 421}.</li>
 *   <li>In the {@link Storage}, resolve the core's normalised virtual paths ({@code /a/b}) below the account's
 *       root and never outside it, and report failures as the {@code java.nio.file} exceptions
 *       ({@link java.nio.file.NoSuchFileException}, ...), a full storage as
 *       {@link dev.wharf.api.storage.StorageFullException}: the core turns them into FTP replies.</li>
 *   <li>Declare only the {@link StorageCapability capabilities} it really has and throw
 *       {@link UnsupportedOperationException} for the others: the core then refuses those commands with
 *       {@code 504} before any data moves and leaves them out of {@code FEAT} and {@code HELP}.</li>
 *   <li>Own no threads it does not stop in {@code @Deactivate} (this one owns none). When the bundle stops, the
 *       core closes the sessions using it at their next command ({@code 421}), but a transfer already running
 *       finishes on its channel: storages and channels opened before must stay safe to use until closed.</li>
 * </ol>
 *
 * <p>This one declares {@code APPEND}, {@code RESUME} and {@code SET_TIMES} unless configured to offer fewer: no
 * modes or owners (SITE CHMOD is refused), no symbolic links, no zero-copy channels, no per-account identity. Files
 * live as long as the component: a changed configuration or a stopped bundle empties it.
 */
@Component(service = StorageProvider.class, configurationPid = MemoryStorageProvider.PID,
        property = {StorageProvider.NAME_PROPERTY + "=" + MemoryStorageProvider.DEFAULT_NAME,
                "service.ranking:Integer=-100"})
@Designate(ocd = MemoryStorageProvider.Config.class)
public class MemoryStorageProvider implements StorageProvider {

    public static final String PID = "org.example.wharf.memory";
    static final String DEFAULT_NAME = "memory";
    static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

    /** What its storages can do; the configuration may offer fewer. */
    static final Set<StorageCapability> CAPABILITIES = Set.copyOf(EnumSet.of(StorageCapability.APPEND,
            StorageCapability.RESUME, StorageCapability.SET_TIMES));

    @ObjectClassDefinition(name = "Example in-memory storage",
            description = "Accounts whose storage attribute names this provider keep their files in memory.")
    public @interface Config {
        // configuration properties become service properties: a configured name replaces the one given above
        @AttributeDefinition(name = "Provider name",
                description = "The name accounts choose this storage by (their storage attribute).")
        String wharf_storage_name() default DEFAULT_NAME;

        @AttributeDefinition(name = "Maximum bytes", min = "1",
                description = "Room for all accounts' files together, uploads in progress included; an upload "
                        + "that would pass it fails with 452.")
        long max_bytes() default DEFAULT_MAX_BYTES;

        @AttributeDefinition(name = "Capabilities",
                description = "What the storage offers, some of APPEND, RESUME and SET_TIMES (fewer, or none, to "
                        + "see how clients fare on a storage that cannot append, resume or set times).")
        String[] capabilities() default {"APPEND", "RESUME", "SET_TIMES"};
    }

    /** Each account's tree by its root directory, so that its sessions share their files. */
    private final Map<String, Volume> volumes = new HashMap<>();
    private volatile String name;
    private volatile Capacity capacity;
    private volatile Set<StorageCapability> capabilities;

    /** For Declarative Services, which then calls {@link #activate}. */
    public MemoryStorageProvider() {
    }

    /** Ready to use outside a framework (tests, embedding): {@code capabilities} a subset of the supported ones. */
    public MemoryStorageProvider(String name, long maxBytes, Set<StorageCapability> capabilities) {
        configure(name, maxBytes, capabilities.stream().map(Enum::name).toArray(String[]::new));
    }

    /**
     * No {@code @Modified} on purpose: a changed configuration deactivates and activates the component again, so
     * the service is registered anew with its new name (the core reads the name when a provider is registered).
     */
    @Activate
    void activate(Config config) {
        configure(config.wharf_storage_name(), config.max_bytes(), config.capabilities());
    }

    private void configure(String name, long maxBytes, String[] offered) {
        // no logger on purpose (the API is all this bundle uses): Declarative Services logs a failed activation
        if (maxBytes < 1) {
            throw new IllegalArgumentException(PID + ": max.bytes must be 1 or more, not " + maxBytes);
        }
        Set<StorageCapability> chosen = EnumSet.noneOf(StorageCapability.class);
        for (String capability : offered) {
            StorageCapability known = CAPABILITIES.stream().filter(c -> c.name().equals(capability.trim()))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException(PID + ": capabilities: '"
                            + capability + "' is not one of " + CAPABILITIES));
            chosen.add(known);
        }
        this.name = name;
        this.capacity = new Capacity(maxBytes);
        this.capabilities = Set.copyOf(chosen);
    }

    /** Lets the files go; sessions still open keep their volumes until the core closes them. */
    @Deactivate
    synchronized void deactivate() {
        volumes.clear();
    }

    @Override
    public Storage open(Account account, Identity identity) throws IOException {
        if (!name.equals(account.attribute(ACCOUNT_ATTRIBUTE, null))) {
            throw new IOException("The memory storage serves only accounts whose " + ACCOUNT_ATTRIBUTE
                    + " attribute is " + name);
        }
        Volume volume;
        synchronized (this) {
            volume = volumes.computeIfAbsent(account.rootDirectory(), root -> new Volume());
        }
        // a home such as /srv/ftp/./joe starts the session in /joe: made here, as other providers make homes
        volume.makeDirectories(account.startDirectory());
        return new MemoryStorage(volume, capacity, capabilities, identity, "memory:" + account.rootDirectory());
    }
}
