/**
 * What an operator sees and does on a running server, as a service for management bundles (the web console's
 * Wharf page, monitoring): the sessions ({@code who}), closing one ({@code kick}), the banned addresses and the
 * totals since start. The core registers one {@link dev.wharf.api.admin.ServerAdmin}; consumers import this
 * package instead of the core's internals.
 */
@Version("1.1.0")
@Export
package dev.wharf.api.admin;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
