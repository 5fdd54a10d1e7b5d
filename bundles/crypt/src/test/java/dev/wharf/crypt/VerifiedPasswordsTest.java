package dev.wharf.crypt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Remembered successes: the same login again is fast; a wrong password or a changed hash never profits. */
class VerifiedPasswordsTest {

    /** The checker these tests go through; its gate and memory of successes are its own. */
    private static final PasswordChecker CHECKER = new PasswordChecker();

    /** Whether the checker remembers {@code password} as verified against {@code stored}. */
    private static boolean remembered(String stored, char[] password) {
        return CHECKER.verified().recentlyVerified(CHECKER.verified().entry(stored, password));
    }

    @AfterEach
    void restoreDefault() {
        CHECKER.rememberVerifiedSeconds(PasswordChecker.DEFAULT_VERIFIED_CACHE_SECONDS);
    }

    private static long millis(Runnable check) {
        long start = System.nanoTime();
        check.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aRepeatedLoginSkipsTheHashButWrongPasswordsAndNewHashesDoNot() {
        CHECKER.rememberVerifiedSeconds(600);
        String stored = PasswordHashes.argon2id("sesame"); // 64 MiB, 2 passes: tens of milliseconds at least
        long first = millis(() -> assertTrue(CHECKER.verify(stored, "sesame")));
        long again = millis(() -> assertTrue(CHECKER.verify(stored, "sesame")));
        assertTrue(again * 10 < first, "remembered: " + again + " ms against " + first + " ms");
        assertTrue(remembered(stored, "sesame".toCharArray()));
        assertFalse(remembered(stored, "sesame!".toCharArray()));

        long wrong = millis(() -> assertFalse(CHECKER.verify(stored, "sesame!")));
        assertTrue(wrong * 2 > first, "a wrong password pays the full hash: " + wrong + " ms");
        assertFalse(CHECKER.verify(stored, "sesame!"), "and is never remembered");

        String changed = PasswordHashes.argon2id("new secret");
        assertFalse(CHECKER.verify(changed, "sesame"), "the old password does not match the new hash");
        assertTrue(CHECKER.verify(changed, "new secret"));
    }

    @Test
    void shaCryptAndMd5CryptSuccessesAreRememberedDesCryptIsNot() {
        CHECKER.rememberVerifiedSeconds(600);
        String password = PasswordHashesTest.PASSWORD;
        for (String stored : java.util.List.of(PasswordHashesTest.MD5, PasswordHashesTest.SHA256,
                PasswordHashesTest.SHA512)) {
            assertFalse(CHECKER.verify(stored, password + "!"));
            assertFalse(remembered(stored, (password + "!").toCharArray()), "failures are never remembered");
            assertFalse(remembered(stored, password.toCharArray()), "not before it succeeded");
            assertTrue(CHECKER.verify(stored, password));
            assertTrue(remembered(stored, password.toCharArray()), stored);
            assertTrue(CHECKER.verify(stored, password), "and accepted again");
            assertFalse(CHECKER.verify(stored, password + "!"));
        }
        String des = DesCrypt.crypt("ab", password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(CHECKER.verify(des, password));
        assertFalse(remembered(des, password.toCharArray()), "DES crypt costs no more than an entry");
    }

    @Test
    void zeroSecondsTurnsItOff() {
        CHECKER.rememberVerifiedSeconds(0);
        String stored = PasswordHashes.argon2id("sesame");
        assertTrue(CHECKER.verify(stored, "sesame"));
        assertFalse(remembered(stored, "sesame".toCharArray()));
    }
}
