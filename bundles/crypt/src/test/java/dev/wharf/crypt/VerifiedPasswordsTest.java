package dev.wharf.crypt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Remembered successes: the same login again is fast; a wrong password or a changed hash never profits. */
class VerifiedPasswordsTest {

    @AfterEach
    void restoreDefault() {
        PasswordHashes.rememberVerifiedSeconds(PasswordCacheSettings.DEFAULT_SECONDS);
    }

    private static long millis(Runnable check) {
        long start = System.nanoTime();
        check.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aRepeatedLoginSkipsTheHashButWrongPasswordsAndNewHashesDoNot() {
        PasswordHashes.rememberVerifiedSeconds(600);
        String stored = PasswordHashes.argon2id("sesame"); // 64 MiB, 2 passes: tens of milliseconds at least
        long first = millis(() -> assertTrue(PasswordHashes.verify(stored, "sesame")));
        long again = millis(() -> assertTrue(PasswordHashes.verify(stored, "sesame")));
        assertTrue(again * 10 < first, "remembered: " + again + " ms against " + first + " ms");
        assertTrue(VerifiedPasswords.recentlyVerified(VerifiedPasswords.entry(stored, "sesame".toCharArray())));
        assertFalse(VerifiedPasswords.recentlyVerified(VerifiedPasswords.entry(stored, "sesame!".toCharArray())));

        long wrong = millis(() -> assertFalse(PasswordHashes.verify(stored, "sesame!")));
        assertTrue(wrong * 2 > first, "a wrong password pays the full hash: " + wrong + " ms");
        assertFalse(PasswordHashes.verify(stored, "sesame!"), "and is never remembered");

        String changed = PasswordHashes.argon2id("new secret");
        assertFalse(PasswordHashes.verify(changed, "sesame"), "the old password does not match the new hash");
        assertTrue(PasswordHashes.verify(changed, "new secret"));
    }

    @Test
    void zeroSecondsTurnsItOff() {
        PasswordHashes.rememberVerifiedSeconds(0);
        String stored = PasswordHashes.argon2id("sesame");
        assertTrue(PasswordHashes.verify(stored, "sesame"));
        assertFalse(VerifiedPasswords.recentlyVerified(VerifiedPasswords.entry(stored, "sesame".toCharArray())));
    }
}
