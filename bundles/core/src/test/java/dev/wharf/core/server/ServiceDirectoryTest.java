package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.storage.StorageProvider;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Constants;

/** How the core picks storage providers by name and ranking, and follows changes of their service properties. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServiceDirectoryTest {

    private final StorageProvider first = (account, identity) -> null;
    private final StorageProvider second = (account, identity) -> null;

    private static Map<String, Object> properties(String name, Object ranking, long id) {
        return ranking == null ? Map.of(StorageProvider.NAME_PROPERTY, name, Constants.SERVICE_ID, id)
                : Map.of(StorageProvider.NAME_PROPERTY, name, Constants.SERVICE_RANKING, ranking,
                        Constants.SERVICE_ID, id);
    }

    @Test
    void aProviderRenamedThroughItsPropertiesIsFoundByItsNewNameOnly() {
        ServiceDirectory directory = new ServiceDirectory();
        directory.addStorageProvider(first, properties("memory", null, 10L));
        assertSame(first, directory.storageProvider("memory").orElseThrow().service());

        directory.updatedStorageProvider(first, properties("scratch", null, 10L));

        assertTrue(directory.storageProvider("memory").isEmpty());
        assertSame(first, directory.storageProvider("scratch").orElseThrow().service());
        assertTrue(directory.storageProviderPresent(10L), "the same service: its sessions go on");
        directory.removeStorageProvider(first);
        assertFalse(directory.storageProviderPresent(10L));
    }

    @Test
    void aChangedRankingReordersTheProviders() {
        ServiceDirectory directory = new ServiceDirectory();
        directory.addStorageProvider(first, properties("local", 10, 1L));
        directory.addStorageProvider(second, properties("s3", 5, 2L));
        assertSame(first, directory.storageProvider().orElseThrow());

        directory.updatedStorageProvider(second, properties("s3", 20, 2L));

        assertSame(second, directory.storageProvider().orElseThrow());
    }

    @Test
    void aRankingGivenAsTextCounts() {
        ServiceDirectory directory = new ServiceDirectory();
        directory.addStorageProvider(first, properties("local", "5", 1L));
        directory.addStorageProvider(second, properties("s3", " 7 ", 2L));
        assertSame(second, directory.storageProvider().orElseThrow());
        assertEquals(7, directory.storageProvider("s3").orElseThrow().ranking());
        assertEquals(0, ServiceDirectory.ranking("high"), "not a number: as the framework takes it, 0");
        assertEquals(0, ServiceDirectory.ranking(null));
    }
}
