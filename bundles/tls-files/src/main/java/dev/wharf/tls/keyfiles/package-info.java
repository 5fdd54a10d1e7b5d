/**
 * Reading TLS key material from files: PEM (certificates and RSA, EC or Ed25519 keys in PKCS#1, SEC1 or PKCS#8
 * form, also encrypted, in one file like Pure-FTPd's {@code pure-ftpd.pem} or in several) and PKCS#12, with the
 * host names each certificate serves. Used by the {@code tls-files} and {@code tls-certd} providers.
 */
@Version("1.0.0")
@Export
package dev.wharf.tls.keyfiles;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
