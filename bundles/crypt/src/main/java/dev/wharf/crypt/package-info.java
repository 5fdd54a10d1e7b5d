/**
 * Password hash checking shared by the auth backends: argon2id/argon2i (PHC strings), bcrypt, scrypt, yescrypt and
 * the crypt(3) schemes SHA-512, SHA-256 and MD5, plus argon2id hashing for new passwords; SQL crypt types and LDAP
 * userPassword schemes ({@link dev.wharf.crypt.StoredPasswords}). A library bundle: no services.
 */
@Version("1.1.0")
@Export
package dev.wharf.crypt;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
