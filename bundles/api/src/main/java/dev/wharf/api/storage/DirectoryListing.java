package dev.wharf.api.storage;

import java.io.Closeable;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The entries of one directory, streamed (never {@code .} or {@code ..}); closed by the caller. Iterating may
 * throw {@link java.io.UncheckedIOException}.
 */
@ProviderType
public interface DirectoryListing extends Iterable<DirectoryEntry>, Closeable {
}
