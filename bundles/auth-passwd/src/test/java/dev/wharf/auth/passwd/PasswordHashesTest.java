package dev.wharf.auth.passwd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Vectors made with other tools, so the check does not only agree with itself. */
class PasswordHashesTest {

    /** {@code echo -n "correct horse" | argon2 saltsaltsalt16b -id -m 12 -t 3 -p 1 -e} (Debian argon2 20190702). */
    static final String ARGON2ID = "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0MTZi"
            + "$98uRr1rOVStoZkoPNXJF+iguoT5eGV6E1ENbhENQkVQ";
    /** {@code echo -n "correct horse" | argon2 anothersalt12345 -i -m 10 -t 2 -p 2 -e}. */
    static final String ARGON2I = "$argon2i$v=19$m=1024,t=2,p=2$YW5vdGhlcnNhbHQxMjM0NQ"
            + "$ekYhNUoyyIFI7SlMP9qtQXd59QvPCbB0IE8vNxsb5ok";
    /** {@code htpasswd -nbB -C 6 alice "correct horse"} (Apache 2.4). */
    static final String BCRYPT = "$2y$06$GTV8F.ItivNXtk.dMNG4Y.iQzU1yYDCMEUntolZ/qezgWoy/dw5ra";

    @Test
    void argon2idFromTheReferenceToolVerifies() {
        assertTrue(PasswordHashes.verify(ARGON2ID, "correct horse"));
        assertFalse(PasswordHashes.verify(ARGON2ID, "correct horsE"));
    }

    @Test
    void argon2iFromTheReferenceToolVerifies() {
        assertTrue(PasswordHashes.verify(ARGON2I, "correct horse"));
        assertFalse(PasswordHashes.verify(ARGON2I, "wrong"));
    }

    @Test
    void bcryptFromHtpasswdVerifies() {
        assertTrue(PasswordHashes.verify(BCRYPT, "correct horse"));
        assertFalse(PasswordHashes.verify(BCRYPT, "correct horse "));
        assertTrue(PasswordHashes.verify(BCRYPT.replace("$2y$", "$2b$"), "correct horse"), "2b is the same");
    }

    @Test
    void newHashesVerifyAndAreSalted() {
        String first = PasswordHashes.argon2id("s3cret");
        String second = PasswordHashes.argon2id("s3cret");
        assertTrue(first.startsWith("$argon2id$v=19$m=65536,t=2,p=1$"), first);
        assertFalse(first.equals(second), "a fresh salt each time");
        assertTrue(PasswordHashes.verify(first, "s3cret"));
        assertFalse(PasswordHashes.verify(first, "s3cret!"));
    }

    @Test
    void unsupportedEmptyOrMangledHashesNeverMatch() {
        assertFalse(PasswordHashes.verify("", ""));
        assertFalse(PasswordHashes.verify("correct horse", "correct horse"), "plain text is not a hash");
        assertFalse(PasswordHashes.verify("$6$salt$abcdef", "correct horse"));
        assertFalse(PasswordHashes.verify("$argon2id$v=19$m=4096,t=3,p=1$c2FsdA", "correct horse"));
        assertFalse(PasswordHashes.verify("$argon2id$v=19$m=999999999,t=3,p=1$c2FsdHNhbHQ$AAAAAAAA", "x"),
                "absurd memory cost refused");
        assertFalse(PasswordHashes.verify("$2y$06$short", "correct horse"));
        assertFalse(PasswordHashes.isSupported("$1$md5crypt$"));
    }
}
