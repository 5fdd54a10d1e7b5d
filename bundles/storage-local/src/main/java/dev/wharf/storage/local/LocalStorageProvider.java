package dev.wharf.storage.local;

import dev.wharf.api.auth.Account;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageProvider;
import dev.wharf.api.storage.StorageRoot;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Serves accounts from the machine's own file system: the account's root directory is its storage root. */
@Component(service = StorageProvider.class, configurationPid = LocalStorageProvider.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = StorageProvider.NAME_PROPERTY + "=local")
@Designate(ocd = LocalStorageProvider.Config.class)
public class LocalStorageProvider implements StorageProvider {

    static final String PID = "dev.wharf.storage.local";

    @ObjectClassDefinition(name = "Wharf local storage")
    public @interface Config {
        @AttributeDefinition(name = "Create missing home directories",
                description = "Create an account's root directory at login when it does not exist (Pure-FTPd -j).")
        boolean create_home() default true;
    }

    private static final Set<StorageCapability> CAPABILITIES = capabilitiesOfDefaultFileSystem();

    private volatile boolean createHome = true;

    @Activate
    @Modified
    void configure(Config config) {
        createHome = config.create_home();
    }

    @Override
    public StorageRoot open(Account account) throws IOException {
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
        return new StorageRoot(root.toRealPath(), CAPABILITIES);
    }

    private static Set<StorageCapability> capabilitiesOfDefaultFileSystem() {
        Set<StorageCapability> capabilities = EnumSet.of(StorageCapability.APPEND, StorageCapability.RESUME,
                StorageCapability.ATOMIC_RENAME, StorageCapability.SYMLINKS, StorageCapability.ZERO_COPY,
                StorageCapability.SET_TIMES);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            capabilities.add(StorageCapability.POSIX_PERMISSIONS);
        }
        return capabilities;
    }
}
