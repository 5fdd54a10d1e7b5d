/**
 * Storage SPI: where an account's files live.
 *
 * <p>A {@link dev.wharf.api.storage.StorageProvider} maps an account to a {@link java.nio.file.Path} root on any
 * {@link java.nio.file.FileSystem}, and says what that file system can do. The core confines every path to that
 * root itself; providers need not, and must not rely on doing so.
 */
@Version("1.0.0")
@Export
package dev.wharf.api.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
