package dev.wharf.crypt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Traditional DES crypt against a real implementation run now: glibc/libxcrypt through {@code mkpasswd -m
 * descrypt} (Debian's whois package, installed by {@code .ci/run}), and the DES core against the JDK's DES.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DesCryptTest {

    /** The checker these tests go through; its gate and memory of successes are its own. */
    private static final PasswordChecker CHECKER = new PasswordChecker();

    @Test
    void theDesCoreEncryptsAsTheJdksDes() throws Exception {
        Random random = new Random(46);
        for (int i = 0; i < 200; i++) {
            byte[] key = new byte[8];
            byte[] plain = new byte[8];
            random.nextBytes(key);
            random.nextBytes(plain);
            Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
            des.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "DES"));
            byte[] expected = des.doFinal(plain);
            byte[] actual = bytes(DesCrypt.encrypt(bits(plain), DesCrypt.subkeys(bits(key)), DesCrypt.expansion()));
            assertArrayEquals(expected, actual, "key " + java.util.HexFormat.of().formatHex(key));
        }
    }

    @Test
    void hashesEqualThoseOfMkpasswd() throws Exception {
        List<String> passwords = List.of("correct horse", "a", "12345678", "exactly8", "longer than eight",
                "pässwörd ✓", "with space", "~!@#$%^&*()");
        List<String> salts = List.of("ab", "..", "//", "zz", "Z9", "./", "x.", "/Q");
        int index = 0;
        for (String password : passwords) {
            for (int turn = 0; turn < 2; turn++) {
                String salt = salts.get(index++ % salts.size());
                String expected = mkpasswd(password, salt);
                assertEquals(13, expected.length(), expected);
                assertEquals(expected, DesCrypt.crypt(expected, password.getBytes(StandardCharsets.UTF_8)),
                        password + " with salt " + salt);
                assertTrue(CHECKER.verify(expected, password), password);
                assertFalse(CHECKER.verify(expected, "#" + password.substring(1)), "another password");
            }
        }
    }

    @Test
    void onlyTheFirstEightCharactersCountAsWithLibc() throws Exception {
        String stored = mkpasswd("longer than eight", "Lo");
        assertTrue(PasswordHashes.isSupported(stored));
        assertTrue(CHECKER.verify(stored, "longer than eight"));
        assertTrue(CHECKER.verify(stored, "longer t"), "DES crypt reads 8 characters");
        assertFalse(CHECKER.verify(stored, "longer"));
        assertFalse(CHECKER.verify(stored, "wrong password"));
    }

    @Test
    void malformedHashesNeverMatch() {
        assertFalse(PasswordHashes.isSupported("ab!defghijklm"), "a character outside the crypt alphabet");
        assertFalse(PasswordHashes.isSupported("abcdefghijkl"), "12 characters");
        assertFalse(PasswordHashes.isSupported("abcdefghijklmn"), "14 characters");
        assertFalse(CHECKER.verify("*", "anything"));
        assertFalse(CHECKER.verify("!abhfCpXqd4GrI", "correct horse"), "a locked account");
    }

    /** {@code mkpasswd -m descrypt -S salt password}: libc's crypt(3). */
    static String mkpasswd(String password, String salt) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("mkpasswd", "-m", "descrypt", "-S", salt, password)
                    .redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            throw new AssertionError("mkpasswd (package whois) is needed for this test (.ci/run installs it)",
                    notInstalled);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    private static byte[] bits(byte[] bytes) {
        byte[] bits = new byte[bytes.length * 8];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (byte) (bytes[i / 8] >> 7 - i % 8 & 1);
        }
        return bits;
    }

    private static byte[] bytes(byte[] bits) {
        byte[] bytes = new byte[bits.length / 8];
        for (int i = 0; i < bits.length; i++) {
            bytes[i / 8] |= (byte) (bits[i] << 7 - i % 8);
        }
        return bytes;
    }
}
