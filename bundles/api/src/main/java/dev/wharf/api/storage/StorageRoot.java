package dev.wharf.api.storage;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * An account's storage as a provider opened it.
 *
 * @param root         an existing directory; the account sees it as {@code /}. It should be absolute and real
 *                     (symlinks resolved) so that the core's confinement checks compare like with like.
 * @param capabilities what the file system behind {@code root} supports
 */
public record StorageRoot(Path root, Set<StorageCapability> capabilities) {

    public StorageRoot {
        Objects.requireNonNull(root, "root");
        capabilities = Set.copyOf(capabilities);
    }

    public boolean can(StorageCapability capability) {
        return capabilities.contains(capability);
    }
}
