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
import java.util.EnumSet;
import java.util.Set;
import java.util.function.IntSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
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
    }

    private static final Set<StorageCapability> CAPABILITIES = Set.copyOf(EnumSet.of(StorageCapability.APPEND,
            StorageCapability.RESUME, StorageCapability.POSIX_PERMISSIONS, StorageCapability.SYMLINKS,
            StorageCapability.ZERO_COPY, StorageCapability.SET_TIMES));

    private volatile boolean createHome = true;
    private final ProcessStatus process;
    private final Access processAccess;

    public LocalStorageProvider() {
        this(LocalStorageProvider::probeOpenat2);
    }

    /** @param openat2Probe returns 0 when openat2 works, else the errno it failed with (tests inject ENOSYS) */
    LocalStorageProvider(IntSupplier openat2Probe) {
        int probe = openat2Probe.getAsInt();
        if (probe != 0) {
            throw new IllegalStateException(probe == Linux.ENOSYS
                    ? "Local storage needs openat2(2), Linux 5.6 or newer, to confine accounts to their home "
                    + "directories; this kernel does not have it, so the local storage is not started"
                    : "Local storage cannot use openat2(2) (errno " + probe + "); the local storage is not started");
        }
        process = ProcessStatus.read();
        processAccess = new Access(process.uid(), process.groups());
    }

    @Activate
    @Modified
    void configure(Config config) {
        createHome = config.create_home();
        LOG.info("Local storage: every account's files are kept as the server's own user (uid {}); accounts' "
                + "uids and gids are not applied", process.uid());
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
        Path root = Path.of(account.rootDirectory());
        if (!Files.isDirectory(root)) {
            if (!createHome) {
                throw new NoSuchFileException(root.toString(), null, "home directory does not exist");
            }
            Files.createDirectories(root);
        }
        Path start = root.resolve(account.startDirectory().substring(1));
        if (createHome && !Files.isDirectory(start)) {
            Files.createDirectories(start);
        }
        Path realRoot = root.toRealPath();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            // the administrator's root path itself is trusted; below it the kernel confines
            fd = Linux.openat2(arena, Linux.AT_FDCWD, arena.allocateFrom(ValueLayout.JAVA_BYTE,
                    terminated(realRoot.toString())), Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0, 0);
        }
        if (fd < 0) {
            throw LocalStorage.failure(-fd, realRoot.toString());
        }
        return new LocalStorage(realRoot, fd, CAPABILITIES, identity, processAccess, process.umask());
    }

    private static byte[] terminated(String text) {
        byte[] bytes = Names.encode(text);
        return java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }
}
