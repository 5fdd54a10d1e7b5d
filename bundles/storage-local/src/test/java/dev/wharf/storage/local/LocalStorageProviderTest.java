package dev.wharf.storage.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageRoot;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageProviderTest {

    @TempDir
    Path dir;

    @Test
    void chrootMarkerSplitsRootAndStartDirectory() throws IOException {
        LocalStorageProvider provider = new LocalStorageProvider();
        Account account = new Account("joe", dir + "/ftp/./joe", 1000, 1000, AccountLimits.NONE);

        StorageRoot storage = provider.open(account);

        assertEquals(dir.resolve("ftp").toRealPath(), storage.root());
        assertTrue(Files.isDirectory(dir.resolve("ftp/joe")), "start directory created");
        assertTrue(storage.can(StorageCapability.ZERO_COPY));
    }

    @Test
    void missingHomeIsAnErrorWhenCreationIsOff() {
        LocalStorageProvider provider = new LocalStorageProvider();
        provider.configure(config(false));
        Account account = new Account("joe", dir + "/absent", 1000, 1000, AccountLimits.NONE);

        assertThrows(NoSuchFileException.class, () -> provider.open(account));
        assertTrue(Files.notExists(dir.resolve("absent")));
    }

    private static LocalStorageProvider.Config config(boolean createHome) {
        return new LocalStorageProvider.Config() {
            @Override
            public boolean create_home() {
                return createHome;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return LocalStorageProvider.Config.class;
            }
        };
    }
}
