/**
 * Upload hook SPI: be told about every upload.
 *
 * <p>The core calls each registered {@link dev.wharf.api.hook.UploadHook} after an upload ends, on a worker thread
 * and never on the session's thread, through a bounded queue: a slow or failing hook cannot slow down or break a
 * transfer. When the queue is full, events are dropped and the drop is logged.
 */
@Version("1.0.0")
@Export
package dev.wharf.api.hook;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
