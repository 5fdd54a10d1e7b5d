/**
 * Authentication SPI: how Wharf turns a user name and password into an {@link dev.wharf.api.auth.Account}.
 *
 * <p>Register an {@link dev.wharf.api.auth.AuthBackend} as an OSGi service. The core keeps every registered backend
 * in a chain: backends named in the listener's {@code auth.order} setting come first in that order, the others
 * follow by descending {@code service.ranking}. Backends come and go at run time; a session that already logged
 * in keeps its account when the backend that accepted it disappears.
 */
@Version("1.2.0")
@Export
package dev.wharf.api.auth;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
