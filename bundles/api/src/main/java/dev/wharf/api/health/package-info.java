/**
 * Readiness: a bundle that depends on something outside the server (a database, a directory, a socket) registers a
 * {@link dev.wharf.api.health.HealthCheck} service, and the core's health report ({@code bin/wharf status}) runs it
 * with the rest: listeners bound, an auth backend and a storage provider present.
 */
@Version("1.0.0")
@Export
package dev.wharf.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
