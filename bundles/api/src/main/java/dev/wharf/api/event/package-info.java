/**
 * Event Admin topics the core posts for what happens on the server, so that a bundle can follow file activity
 * without a dedicated SPI: register an {@code org.osgi.service.event.EventHandler} with
 * {@code event.topics=dev/wharf/*}.
 *
 * <p>Events are posted asynchronously after the command completed (or failed, for transfers: see
 * {@link dev.wharf.api.event.WharfEvents#COMPLETE}); a slow handler never holds up a session. Uploads are also
 * delivered to {@link dev.wharf.api.hook.UploadHook} services, which is the place for work that must not be lost.
 *
 * <p>1.1.0: {@code LOGIN_FAILED}, {@code BAN} and {@code TLS_HANDSHAKE}; the login's backend, its latency and the
 * local port on {@code LOGIN}.
 */
@Version("1.1.0")
@Export
package dev.wharf.api.event;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
