/**
 * Storage SPI: where an account's files live, as a small set of operations on virtual paths.
 *
 * <p>A {@link dev.wharf.api.storage.StorageProvider} opens a {@link dev.wharf.api.storage.Storage} per session for
 * an account and its {@link dev.wharf.api.storage.Identity}. The core passes normalised virtual paths
 * ({@code /a/b}, never {@code ..}) and never touches the files itself; confining every path to the account's root
 * (symbolic links included, against concurrent renames) is the provider's job.
 *
 * <p>2.2.0: {@link dev.wharf.api.storage.StorageProvider#ACCOUNT_ATTRIBUTE}, the account attribute naming an
 * account's provider.
 *
 * <p>2.1.0: {@link dev.wharf.api.storage.FileNames#PARTIAL_UPLOAD_PREFIX}, the hidden names of kept partial uploads.
 *
 * <p>2.0.0: the {@code java.nio.file.Path} root ({@code StorageRoot}) gave way to {@link
 * dev.wharf.api.storage.Storage}, so that providers confine paths themselves and need not be file systems.
 */
@Version("2.2.0")
@Export
package dev.wharf.api.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
