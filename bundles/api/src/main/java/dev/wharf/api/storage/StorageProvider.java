package dev.wharf.api.storage;

import dev.wharf.api.auth.Account;
import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Opens an account's storage for a session; registered as an OSGi service.
 *
 * <p>When several providers are registered the core uses the one with the highest {@code service.ranking}. The
 * storage is opened once at login and closed when the session ends: a session keeps it even if the provider goes
 * away meanwhile.
 */
@ConsumerType
public interface StorageProvider {

    /** Service property: a short name for the provider, e.g. {@code local}. */
    String NAME_PROPERTY = "wharf.storage.name";

    /**
     * Account attribute naming the provider ({@link #NAME_PROPERTY}) that serves the account; its settings follow
     * as {@code storage.<key>} attributes (e.g. {@code storage.bucket}). Without it the highest-ranked provider
     * serves the account.
     */
    String ACCOUNT_ATTRIBUTE = "storage";

    /**
     * Opens the account's storage, creating its root directory if the provider's policy allows.
     *
     * @param account  the account that just logged in
     * @param identity who the session acts as (the account's uid, gid and supplementary groups)
     * @return the session's storage, closed by the core when the session ends
     * @throws IOException when the root is not available; the client gets {@code 421 Home directory not available}
     */
    Storage open(Account account, Identity identity) throws IOException;
}
