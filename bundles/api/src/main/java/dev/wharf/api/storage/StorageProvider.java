package dev.wharf.api.storage;

import dev.wharf.api.auth.Account;
import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Gives a session the root of an account's files; registered as an OSGi service.
 *
 * <p>When several providers are registered the core uses the one with the highest {@code service.ranking}. The
 * root is taken once at login: a session keeps it even if the provider goes away later.
 */
@ConsumerType
public interface StorageProvider {

    /** Service property: a short name for the provider, e.g. {@code local}. */
    String NAME_PROPERTY = "wharf.storage.name";

    /**
     * Opens the account's storage, creating its root directory if the provider's policy allows.
     *
     * @param account the account that just logged in
     * @return the root and its capabilities
     * @throws IOException when the root is not available; the client gets {@code 421 Home directory not available}
     */
    StorageRoot open(Account account) throws IOException;
}
