/**
 * Authentication SPI: how Wharf turns a user name and password into an {@link dev.wharf.api.auth.Account}.
 *
 * <p>Register an {@link dev.wharf.api.auth.AuthBackend} as an OSGi service. The core keeps every registered backend
 * in a chain: backends named in the listener's {@code auth.order} setting come first in that order, the others
 * follow by descending {@code service.ranking}. Backends come and go at run time; a session that already logged
 * in keeps its account when the backend that accepted it disappears.
 *
 * <p>1.3.0: {@link dev.wharf.api.auth.Account} carries supplementary groups and named attributes.
 */
@Version("1.3.0")
@Export
package dev.wharf.api.auth;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
