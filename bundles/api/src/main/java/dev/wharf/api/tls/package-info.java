/**
 * TLS SPI: key material for FTPS.
 *
 * <p>The core builds its JSSE contexts from what {@link dev.wharf.api.tls.CertificateProvider}s give it, asking per
 * server name (SNI) when the client sends one. Providers are ordered by {@code service.ranking}; the first that
 * answers wins.
 */
@Version("1.0.0")
@Export
package dev.wharf.api.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
