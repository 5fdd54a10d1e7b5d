package dev.wharf.crypt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Vectors made with other tools (argon2 20190702, Apache htpasswd 2.4, OpenSSL 3.0, glibc crypt(3) through
 * Python's crypt module), so the checks do not only agree with themselves.
 */
class PasswordHashesTest {

    /** The checker these tests go through; its gate and memory of successes are its own. */
    private static final PasswordChecker CHECKER = new PasswordChecker();

    static final String PASSWORD = "correct horse";
    /** Non-ASCII, to pin the password bytes to UTF-8. */
    private static final String UNICODE_PASSWORD = "pässwörd ✓";

    /** {@code echo -n "correct horse" | argon2 saltsaltsalt16b -id -m 12 -t 3 -p 1 -e}. */
    static final String ARGON2ID = "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0MTZi"
            + "$98uRr1rOVStoZkoPNXJF+iguoT5eGV6E1ENbhENQkVQ";
    /** {@code echo -n "pässwörd ✓" | argon2 unicodesalt16byt -id -m 13 -t 2 -p 4 -l 24 -e}: 4 lanes, 24-byte hash. */
    private static final String ARGON2ID_UNICODE = "$argon2id$v=19$m=8192,t=2,p=4$dW5pY29kZXNhbHQxNmJ5dA"
            + "$14k1buc5/MfdfDLfHAfppRqSa3+muKMY";
    /** {@code echo -n "correct horse" | argon2 anothersalt12345 -i -m 10 -t 2 -p 2 -e}. */
    static final String ARGON2I = "$argon2i$v=19$m=1024,t=2,p=2$YW5vdGhlcnNhbHQxMjM0NQ"
            + "$ekYhNUoyyIFI7SlMP9qtQXd59QvPCbB0IE8vNxsb5ok";
    /** {@code htpasswd -nbB -C 6 alice "correct horse"}. */
    static final String BCRYPT = "$2y$06$GTV8F.ItivNXtk.dMNG4Y.iQzU1yYDCMEUntolZ/qezgWoy/dw5ra";
    /** {@code htpasswd -nbB -C 5 bob "pässwörd ✓"}. */
    private static final String BCRYPT_UNICODE = "$2y$05$m.jT/3dgngbWVL0BMRipSeowwIe2GPYtEEMbw8JkXl2.YprMzhhjK";

    /** {@code openssl passwd -6 -salt saltstring16char "correct horse"}. */
    static final String SHA512 = "$6$saltstring16char$GhJZgX9PBqfW9IttGVlwIfNP.VHA5GEoLGQKabjQmVcsZRFze3x15RlE4r6"
            + "OIFXNDh3rMLuzEExbJ6q69PI/f0";
    /** {@code openssl passwd -6 -salt 'rounds=10000$roundsalt' "correct horse"}. */
    private static final String SHA512_ROUNDS = "$6$rounds=10000$roundsalt$lu7Rcrwbzvc4i3UU0le05F9a9bmjWI6qZ3W01c"
            + "RCxB0EHJ8hLrRWzqCTVE5ceVSQRShxY.Ag20d5tJkF3rdy/.";
    /** {@code crypt.crypt("pässwörd ✓", "$6$unicode$")} (glibc). */
    private static final String SHA512_UNICODE = "$6$unicode$75FW7/IaoHo6ht6qTmG3e6QHbJiPYUOQKorSy8e0/XRFGURvkwO"
            + "b0sC3m/IiYHGh0/qqcYH47Pf3axr12y0y7/";
    /** {@code crypt.crypt("", "$6$emptypw$")} (glibc). */
    private static final String SHA512_EMPTY = "$6$emptypw$TWmzQ8/uLn1BFSZ5Lkfum8lAba5vixF9Nl3Aiof.Praatq9nh0kkPuT"
            + "doVrIL6du0L6LAoadbPq.q.D7keveg/";
    /** A password longer than one SHA-512 block, for the block-repeating steps (glibc). */
    private static final String LONG_PASSWORD =
            "a much longer password that spans more than sixty-four bytes of input text!!";
    /** {@code crypt.crypt(LONG_PASSWORD, "$6$longpw$")} (glibc). */
    private static final String SHA512_LONG = "$6$longpw$Bs5uM/R5RqA.h1MCOjiyWCZ9ZLIAcPhK05L21ZW4hH6OSWLGzQluqS1Hw"
            + "12rTgBea1gKoPISMcB35kwPOhFGf/";
    /** {@code openssl passwd -5 -salt shortsalt "correct horse"}. */
    static final String SHA256 = "$5$shortsalt$AKXhR/1RDm66fD37lxxeaDq5a8QqxDBBVPog9QHA3x0";
    /** {@code crypt.crypt("correct horse", "$5$rounds=1000$abc$")} (glibc). */
    private static final String SHA256_ROUNDS = "$5$rounds=1000$abc$/cRuvrIiQqQvcPwD.a/LO47x90cA9f8oqYBouKihds1";
    /** {@code crypt.crypt(LONG_PASSWORD, "$5$longpw$")} (glibc). */
    private static final String SHA256_LONG = "$5$longpw$RSOYDj.VHel9RIwAhQUzR16GoWawxS8rYOvI99GnnL1";
    /** {@code openssl passwd -1 -salt 8charsal "correct horse"}. */
    static final String MD5 = "$1$8charsal$QinvcPq6.2trb9RDER7vm0";
    /** {@code crypt.crypt("pässwörd", "$1$umlaut$")} (glibc). */
    private static final String MD5_UNICODE = "$1$umlaut$jUOFp8uNME95I6.eSGTRf1";

    @Test
    void argon2idFromTheReferenceToolVerifies() {
        assertTrue(CHECKER.verify(ARGON2ID, PASSWORD));
        assertFalse(CHECKER.verify(ARGON2ID, "correct horsE"));
        assertTrue(CHECKER.verify(ARGON2ID_UNICODE, UNICODE_PASSWORD));
        assertFalse(CHECKER.verify(ARGON2ID_UNICODE, "passwort ✓"));
    }

    @Test
    void argon2iFromTheReferenceToolVerifies() {
        assertTrue(CHECKER.verify(ARGON2I, PASSWORD));
        assertFalse(CHECKER.verify(ARGON2I, "wrong"));
        assertFalse(CHECKER.verify(ARGON2I.replace("$argon2i$", "$argon2id$"), PASSWORD),
                "the variant is part of the hash");
    }

    @Test
    void bcryptFromHtpasswdVerifies() {
        assertTrue(CHECKER.verify(BCRYPT, PASSWORD));
        assertFalse(CHECKER.verify(BCRYPT, PASSWORD + " "));
        assertTrue(CHECKER.verify(BCRYPT.replace("$2y$", "$2b$"), PASSWORD), "2b is the same");
        assertTrue(CHECKER.verify(BCRYPT.replace("$2y$", "$2a$"), PASSWORD), "so is 2a for ASCII");
        assertTrue(CHECKER.verify(BCRYPT_UNICODE, UNICODE_PASSWORD));
        assertFalse(CHECKER.verify(BCRYPT_UNICODE, "pässwörd"));
    }

    @Test
    void sha512CryptFromOpensslAndGlibcVerifies() {
        assertTrue(CHECKER.verify(SHA512, PASSWORD));
        assertFalse(CHECKER.verify(SHA512, "correct hors"));
        assertTrue(CHECKER.verify(SHA512_ROUNDS, PASSWORD));
        assertTrue(CHECKER.verify(SHA512_UNICODE, UNICODE_PASSWORD));
        assertTrue(CHECKER.verify(SHA512_EMPTY, ""));
        assertFalse(CHECKER.verify(SHA512_EMPTY, " "));
        assertTrue(CHECKER.verify(SHA512_LONG, LONG_PASSWORD));
        assertFalse(CHECKER.verify(SHA512_LONG, LONG_PASSWORD.substring(1)));
    }

    @Test
    void sha256CryptFromOpensslAndGlibcVerifies() {
        assertTrue(CHECKER.verify(SHA256, PASSWORD));
        assertFalse(CHECKER.verify(SHA256, "Correct horse"));
        assertTrue(CHECKER.verify(SHA256_ROUNDS, PASSWORD));
        assertTrue(CHECKER.verify(SHA256_LONG, LONG_PASSWORD));
    }

    @Test
    void md5CryptFromOpensslAndGlibcVerifies() {
        assertTrue(CHECKER.verify(MD5, PASSWORD));
        assertFalse(CHECKER.verify(MD5, "correct horse!"));
        assertTrue(CHECKER.verify(MD5_UNICODE, "pässwörd"));
    }

    @Test
    void theCharArrayFormMatchesTheStringForm() {
        assertTrue(CHECKER.verify(ARGON2ID, PASSWORD.toCharArray()));
        assertTrue(CHECKER.verify(BCRYPT, PASSWORD.toCharArray()));
        assertTrue(CHECKER.verify(SHA512, PASSWORD.toCharArray()));
        assertFalse(CHECKER.verify(SHA512, "nope".toCharArray()));
        assertFalse(CHECKER.verify(SHA512, (char[]) null));
    }

    @Test
    void newHashesVerifyAreSaltedAndCheapEnoughForALogin() {
        String first = PasswordHashes.argon2id("s3cret");
        String second = PasswordHashes.argon2id("s3cret");
        assertTrue(first.startsWith("$argon2id$v=19$m=65536,t=2,p=1$"), first);
        assertNotEquals(first, second, "a fresh salt each time");
        CHECKER.verify(first, "s3cret"); // warm-up, so the timing below is not the JIT's
        long start = System.nanoTime();
        assertTrue(CHECKER.verify(first, "s3cret"));
        Duration oneCheck = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(oneCheck.toMillis() < 1000, "one check took " + oneCheck);
        assertFalse(CHECKER.verify(first, "s3cret!"));
    }

    @Test
    void unsupportedEmptyOrMangledHashesNeverMatch() {
        assertFalse(CHECKER.verify("", ""));
        assertFalse(CHECKER.verify(PASSWORD, PASSWORD), "plain text is not a hash");
        assertFalse(CHECKER.verify("*", ""));
        assertFalse(CHECKER.verify("!" + SHA512, PASSWORD), "a locked shadow entry stays locked");
        assertFalse(CHECKER.verify("$7$CU..../....salt$hash", PASSWORD), "mangled scrypt");
        assertFalse(CHECKER.verify("$7$zU..../....salt$" + "a".repeat(43), "x"), "absurd scrypt N refused");
        assertFalse(CHECKER.verify("$y$j9T$salt$hash", PASSWORD), "mangled yescrypt");
        assertFalse(CHECKER.verify("$y$jbT$salt$" + "a".repeat(43), PASSWORD), "absurd yescrypt N refused");
        assertFalse(CHECKER.verify("$apr1$salt$hash", PASSWORD));
        assertFalse(CHECKER.verify("$argon2id$v=19$m=4096,t=3,p=1$c2FsdA", PASSWORD));
        assertFalse(CHECKER.verify("$argon2id$v=19$m=999999999,t=3,p=1$c2FsdHNhbHQ$AAAAAAAA", "x"),
                "absurd memory cost refused");
        assertFalse(CHECKER.verify("$argon2id$v=19$m=4096,t=3,p=1,x=2$c2FsdHNhbHQ$AAAAAAAA", "x"));
        assertFalse(CHECKER.verify("$2y$06$short", PASSWORD));
        assertFalse(CHECKER.verify("$6$rounds=999999999$salt$hash", PASSWORD), "absurd rounds refused");
        assertFalse(CHECKER.verify("$6$rounds=ten$salt$hash", PASSWORD));
        assertFalse(CHECKER.verify(SHA512.substring(0, SHA512.length() - 1), PASSWORD), "truncated");
        assertFalse(PasswordHashes.isSupported("$7$salt$hash"));
        assertTrue(PasswordHashes.isSupported(MD5));
        assertTrue(PasswordHashes.isSupported(YescryptTest.DEFAULT_COST));
    }
}
