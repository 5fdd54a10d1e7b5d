package dev.wharf.crypt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class StoredPasswordsTest {

    /** The checker these tests go through; its gate and memory of successes are its own. */
    private static final PasswordChecker CHECKER = new PasswordChecker();

    @Test
    void cleartextMatchesExactlyAndRefusesEmptyPasswords() {
        assertTrue(CHECKER.verifySql("cleartext", "s3cret", "s3cret"));
        assertFalse(CHECKER.verifySql("cleartext", "s3cret", "s3cret "));
        assertFalse(CHECKER.verifySql("cleartext", "", ""));
        assertFalse(CHECKER.verifySql("CLEARTEXT", "s3cret", "S3cret"));
    }

    @Test
    void md5AndSha1AreHexDigests() {
        // echo -n secret | md5sum / sha1sum
        assertTrue(CHECKER.verifySql("md5", "5ebe2294ecd0e0f08eab7690d2a6ee69", "secret"));
        assertTrue(CHECKER.verifySql("MD5", "5EBE2294ECD0E0F08EAB7690D2A6EE69", "secret"));
        assertTrue(CHECKER.verifySql("sha1", "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "secret"));
        assertFalse(CHECKER.verifySql("sha1", "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "Secret"));
        assertFalse(CHECKER.verifySql("md5", "not hex", "secret"));
    }

    @Test
    void cryptArgon2AndAnyFollowPureFtpd() {
        String argon = PasswordHashes.argon2id("pw");
        String sha512 = PasswordHashesTest.SHA512;
        assertTrue(CHECKER.verifySql("argon2", argon, "pw"));
        assertFalse(CHECKER.verifySql("crypt", argon, "pw"));
        assertTrue(CHECKER.verifySql("any", argon, "pw"));
        assertFalse(CHECKER.verifySql("any", "pw", "pw"), "any never means cleartext");
        assertTrue(CHECKER.verifySql("crypt", sha512, "correct horse"));
        assertTrue(CHECKER.verifySql("any", sha512, "correct horse"));
        assertFalse(CHECKER.verifySql("argon2", sha512, "correct horse"));
        assertFalse(CHECKER.verifySql("unknown-type", "pw", "pw"));
        assertTrue(StoredPasswords.isSqlCryptType("Any"));
        assertFalse(StoredPasswords.isSqlCryptType("password"));
    }

    @Test
    void ldapSchemes() throws Exception {
        assertTrue(CHECKER.verifyLdap("plain", "plain"));
        assertFalse(CHECKER.verifyLdap("plain", "Plain"));
        byte[] salt = {1, 2, 3, 4};
        MessageDigest sha = MessageDigest.getInstance("SHA-1");
        sha.update("pw".getBytes(StandardCharsets.UTF_8));
        sha.update(salt);
        byte[] digest = sha.digest();
        byte[] withSalt = new byte[digest.length + salt.length];
        System.arraycopy(digest, 0, withSalt, 0, digest.length);
        System.arraycopy(salt, 0, withSalt, digest.length, salt.length);
        String ssha = "{SSHA}" + Base64.getEncoder().encodeToString(withSalt);
        assertTrue(CHECKER.verifyLdap(ssha, "pw"));
        assertFalse(CHECKER.verifyLdap(ssha, "px"));
        String sha1 = "{SHA}" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-1").digest("pw".getBytes(StandardCharsets.UTF_8)));
        assertTrue(CHECKER.verifyLdap(sha1, "pw"));
        assertTrue(CHECKER.verifyLdap("{crypt}" + PasswordHashes.argon2id("pw"), "pw"));
        assertFalse(CHECKER.verifyLdap("{unknown}pw", "pw"));
        assertFalse(CHECKER.verifyLdap("{SHA}", ""));
    }
}
