package dev.wharf.storage.local;

import dev.wharf.api.auth.Account;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageProvider;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.IntSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves accounts from the machine's own file system: the account's root directory is its storage root, confined
 * by the kernel ({@link LocalStorage}). Needs Linux 5.6 or newer ({@code openat2}); on an older kernel the
 * component does not start and says why, rather than confining in a weaker way.
 */
@Component(service = StorageProvider.class, configurationPid = LocalStorageProvider.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = StorageProvider.NAME_PROPERTY + "=local")
@Designate(ocd = LocalStorageProvider.Config.class)
public class LocalStorageProvider implements StorageProvider {

    static final String PID = "dev.wharf.storage.local";
    private static final Logger LOG = LoggerFactory.getLogger(LocalStorageProvider.class);

    @ObjectClassDefinition(name = "Wharf local storage")
    public @interface Config {
        @AttributeDefinition(name = "Create missing home directories",
                description = "Create an account's root directory at login when it does not exist (Pure-FTPd -j).")
        boolean create_home() default true;

        @AttributeDefinition(name = "Whose files",
                description = "auto: when the server may (root, or CAP_CHOWN and CAP_DAC_OVERRIDE), files belong "
                        + "to each account's uid/gid and access is judged for it; server: always the server's own "
                        + "user", options = {
                            @org.osgi.service.metatype.annotations.Option(value = "auto"),
                            @org.osgi.service.metatype.annotations.Option(value = "server")})
        String account_identity() default "auto";

        @AttributeDefinition(name = "Hours partial uploads are kept",
                description = "A cut upload kept for resuming (listener upload.mode = atomic-resume) that has not "
                        + "changed for this many hours is removed at the next login of its account (checked at "
                        + "most once an hour per account); 0 removes them at that check whatever their age.")
        int partial_uploads_max_hours() default DEFAULT_PARTIAL_HOURS;
    }

    /** A day: time for a client whose upload was cut to come back, short enough that abandoned ones go. */
    static final int DEFAULT_PARTIAL_HOURS = 24;
    /** How often an account's tree is walked again for expired partial uploads: the walk costs a stat per entry. */
    private static final java.time.Duration SWEEP_INTERVAL = java.time.Duration.ofHours(1);
    /** Pure-FTPd's quota file: when partial uploads it counted are removed, it is removed to be counted anew. */
    private static final String QUOTA_FILE = "/.ftpquota";

    private static final Set<StorageCapability> CAPABILITIES = Set.copyOf(EnumSet.of(StorageCapability.APPEND,
            StorageCapability.RESUME, StorageCapability.POSIX_PERMISSIONS, StorageCapability.SYMLINKS,
            StorageCapability.ZERO_COPY, StorageCapability.SET_TIMES));
    private static final Set<StorageCapability> ACTING_CAPABILITIES = Set.copyOf(EnumSet.of(StorageCapability.APPEND,
            StorageCapability.RESUME, StorageCapability.POSIX_PERMISSIONS, StorageCapability.SYMLINKS,
            StorageCapability.ZERO_COPY, StorageCapability.SET_TIMES, StorageCapability.PER_ACCOUNT_IDENTITY));

    private volatile boolean createHome = true;
    private volatile java.time.Duration partialMaxAge = java.time.Duration.ofHours(DEFAULT_PARTIAL_HOURS);
    private volatile boolean announced;
    /** Account roots' descriptors, shared by the sessions below each root. */
    private final RootDescriptors roots = new RootDescriptors();
    private final SystemGroups systemGroups = new SystemGroups(Path.of("/etc/passwd"), Path.of("/etc/group"));
    /** Roots whose left-over upload files were removed since this provider started, and when last. */
    private final java.util.Map<String, Instant> leftoversRemoved = new java.util.concurrent.ConcurrentHashMap<>();
    /** Temporary files older than this provider belong to no upload of this server. */
    private final Instant started = Instant.now();
    /** Entries looked at per root for left-overs: a huge home costs its first login no more than this. */
    private static final int LEFTOVER_BUDGET = 200_000;
    private volatile boolean actAsAccounts;
    private final ProcessStatus process;
    private final Access processAccess;
    /** Help the sessions' threads stat large listings; ended when this provider is deactivated. */
    private final StatWorkers statWorkers;

    public LocalStorageProvider() {
        this(LocalStorageProvider::probeOpenat2);
    }

    /** @param openat2Probe returns 0 when openat2 works, else the errno it failed with (tests inject ENOSYS) */
    LocalStorageProvider(IntSupplier openat2Probe) {
        this(openat2Probe, Runtime.getRuntime().availableProcessors() - 1);
    }

    /** @param statHelpers threads that help stat large listings (one fewer than the cores; tests choose) */
    LocalStorageProvider(IntSupplier openat2Probe, int statHelpers) {
        int probe = openat2Probe.getAsInt();
        if (probe != 0) {
            throw new IllegalStateException(probe == Linux.ENOSYS
                    ? "Local storage needs openat2(2), Linux 5.6 or newer, to confine accounts to their home "
                    + "directories; this kernel does not have it, so the local storage is not started"
                    : "Local storage cannot use openat2(2) (errno " + probe + "); the local storage is not started");
        }
        process = ProcessStatus.read();
        processAccess = new Access(process.uid(), process.groups());
        statWorkers = new StatWorkers(statHelpers);
    }

    @Activate
    @Modified
    public void configure(Config config) {
        createHome = config.create_home();
        if (config.partial_uploads_max_hours() < 0) {
            LOG.warn("Local storage: partial.uploads.max.hours must be 0 or more, not {}; using {}",
                    config.partial_uploads_max_hours(), DEFAULT_PARTIAL_HOURS);
            partialMaxAge = java.time.Duration.ofHours(DEFAULT_PARTIAL_HOURS);
        } else {
            partialMaxAge = java.time.Duration.ofHours(config.partial_uploads_max_hours());
        }
        String mode = config.account_identity();
        if (!"auto".equals(mode) && !"server".equals(mode)) {
            LOG.warn("Local storage: account.identity must be auto or server, not '{}'; using auto", mode);
            mode = "auto";
        }
        boolean wanted = "auto".equals(mode);
        boolean acting = wanted && process.canActForAccounts();
        if (!announced || acting != actAsAccounts) {
            announced = true;
            actAsAccounts = acting;
            if (acting) {
                LOG.info("Local storage: files belong to each account's uid/gid and access is judged for it "
                        + "(the server runs with CAP_CHOWN and CAP_DAC_OVERRIDE)");
            } else if (!wanted) {
                LOG.info("Local storage: account.identity = server, so every account's files are kept as the "
                        + "server's own user (uid {})", process.uid());
            } else {
                LOG.info("Local storage: the server runs without CAP_CHOWN and CAP_DAC_OVERRIDE, so every account's "
                        + "files are kept as its own user (uid {}); accounts' uids and gids are not applied",
                        process.uid());
            }
        }
    }

    /** Ends the stat helpers; a listing still running stats the rest of its parts on its own thread. */
    @Deactivate
    public void deactivate() {
        statWorkers.close();
    }

    /** 0 when {@code openat2} resolves {@code /} from the working directory, else its errno. */
    static int probeOpenat2() {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Linux.openat2(arena, Linux.AT_FDCWD, arena.allocateFrom(ValueLayout.JAVA_BYTE,
                    new byte[] {'/', 0}), Linux.O_PATH | Linux.O_CLOEXEC, 0, 0);
            if (fd < 0) {
                return -fd;
            }
            Linux.close(fd);
            return 0;
        }
    }

    @Override
    public Storage open(Account account, Identity identity) throws IOException {
        if (!announced) {
            configure(DEFAULTS);
        }
        boolean actAs = actAsAccounts && identity.uid() != process.uid();
        Path root = Path.of(account.rootDirectory());
        if (!Files.isDirectory(root)) {
            if (!createHome) {
                throw new NoSuchFileException(root.toString(), null, "home directory does not exist");
            }
            createHome(root, actAs ? identity : null);
        }
        Path start = root.resolve(account.startDirectory().substring(1));
        if (createHome && !Files.isDirectory(start)) {
            createHome(start, actAs ? identity : null);
        }
        // the administrator's root path itself is trusted; below it the kernel confines. Acting for accounts, the
        // root is opened readable so that fgetxattr reads its ACL
        RootDescriptors.Root opened = roots.acquire(root, actAs ? Linux.O_RDONLY | Linux.O_NONBLOCK : Linux.O_PATH);
        Path realRoot = opened.realPath();
        if (actAs) {
            // a system account's groups from /etc/group, besides any the backend gave
            int[] system = systemGroups.of(account.name(), identity.uid());
            if (system.length > 0) {
                int[] given = identity.groups();
                int[] all = java.util.Arrays.copyOf(given, given.length + system.length);
                System.arraycopy(system, 0, all, given.length, system.length);
                identity = new Identity(identity.uid(), identity.gid(), all);
            }
        }
        Access access = actAs ? new Access(identity.uid(), withPrimary(identity)) : processAccess;
        LocalStorage storage = new LocalStorage(opened, roots, actAs ? ACTING_CAPABILITIES : CAPABILITIES, identity,
                access, process.umask(), actAs, statWorkers);
        try {
            sweepLeftovers(storage, realRoot);
        } catch (RuntimeException failed) {
            storage.close();
            throw failed;
        }
        return storage;
    }

    /**
     * At the first login per root and start: what a crash left of uploads in progress (named temporary files of file
     * systems without O_TMPFILE, or of older versions) is removed before the account works there again; then, and at
     * most once an hour after, partial uploads kept too long for resuming.
     */
    private void sweepLeftovers(LocalStorage storage, Path realRoot) {
        Instant now = Instant.now();
        boolean[] due = {false};
        leftoversRemoved.compute(realRoot.toString(), (key, last) -> {
            due[0] = last == null || last.plus(SWEEP_INTERVAL).isBefore(now);
            return due[0] ? now : last;
        });
        if (due[0]) {
            LocalStorage.Leftovers removed = storage.removeLeftovers(started, now.minus(partialMaxAge),
                    LEFTOVER_BUDGET);
            if (removed.temporary() > 0) {
                LOG.info("Local storage: removed {} left-over temporary upload file(s) under {}", removed.temporary(),
                        realRoot);
            }
            if (removed.partials() > 0) {
                LOG.info("Local storage: removed {} partial upload(s) unchanged for {} hours under {}",
                        removed.partials(), partialMaxAge.toHours(), realRoot);
                forgetQuotaUsage(storage);
            }
        }
    }

    /**
     * The quota counted the removed partial uploads: without its file the core counts the account's files again
     * at the next quota check (as after a crash), so the room they took is given back.
     */
    private static void forgetQuotaUsage(LocalStorage storage) {
        try {
            if (storage.lstatIfExists(QUOTA_FILE) != null) {
                storage.delete(QUOTA_FILE);
            }
        } catch (IOException failure) {
            LOG.warn("Local storage: quota file not reset after removing partial uploads: {}", failure.toString());
        }
    }

    /** Creates a home (Pure-FTPd -j); the directories made belong to the account when the server acts as it. */
    private static void createHome(Path directory, Identity owner) throws IOException {
        Path existing = directory;
        while (existing != null && !Files.isDirectory(existing)) {
            existing = existing.getParent();
        }
        Files.createDirectories(directory);
        if (owner != null) {
            for (Path made = directory; made != null && !made.equals(existing); made = made.getParent()) {
                Files.setAttribute(made, "unix:uid", owner.uid());
                Files.setAttribute(made, "unix:gid", owner.gid());
            }
        }
    }

    /** The defaults, for a provider made without Declarative Services (tests, embedded servers). */
    private static final Config DEFAULTS = new Config() {
        @Override
        public boolean create_home() {
            return true;
        }

        @Override
        public String account_identity() {
            return "auto";
        }

        @Override
        public int partial_uploads_max_hours() {
            return DEFAULT_PARTIAL_HOURS;
        }

        @Override
        public Class<? extends java.lang.annotation.Annotation> annotationType() {
            return Config.class;
        }
    };

    private static int[] withPrimary(Identity identity) {
        int[] groups = identity.groups();
        int[] all = java.util.Arrays.copyOf(groups, groups.length + 1);
        all[groups.length] = identity.gid();
        return all;
    }

}
