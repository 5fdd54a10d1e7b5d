/**
 * Password hash checking shared by the auth backends: argon2id/argon2i (PHC strings), bcrypt, scrypt, yescrypt and
 * the crypt(3) schemes SHA-512, SHA-256 and MD5, plus argon2id hashing for new passwords; SQL crypt types and LDAP
 * userPassword schemes. Backends check passwords through the {@link dev.wharf.crypt.PasswordChecker} service, which
 * owns the bound on concurrent hashing and the memory of recent successes (2.0.0: the static {@code verify},
 * {@code verifySql}, {@code verifyLdap} and {@code rememberVerifiedSeconds} methods became that service's).
 */
@Version("2.0.0")
@Export
package dev.wharf.crypt;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
