package dev.wharf.crypt;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.SCrypt;
import org.junit.jupiter.api.Test;

/**
 * yescrypt against libxcrypt: fixed vectors made with Debian 12's {@code mkpasswd} (whois 5.5.17) and, for the
 * settings mkpasswd cannot ask for (p, t, the WORM and scrypt flavours, chosen salts), with libxcrypt 4.4.33's
 * crypt(3) through {@code perl -e 'print crypt($password, $setting)'}; plus hashes that mkpasswd makes at run time.
 */
class YescryptTest {

    /** The checker these tests go through; its gate and memory of successes are its own. */
    private static final PasswordChecker CHECKER = new PasswordChecker();

    private static final String PASSWORD = PasswordHashesTest.PASSWORD;
    private static final String UNICODE_PASSWORD = "pässwörd ✓";
    private static final String LONG_PASSWORD =
            "a much longer password that spans more than sixty-four bytes of input text!!";
    private static final Path MKPASSWD = Path.of("/usr/bin/mkpasswd");

    /** {@code mkpasswd -m yescrypt "correct horse"}: Debian's default cost, N = 4096, r = 32 (16 MiB). */
    static final String DEFAULT_COST = "$y$j9T$pmYzQ9mFGoqirNxRHQ5aP/$HWcveR/s0hWSC/V2fVNUBn5zxwUS9.icFyipdQp9re7";
    /** {@code mkpasswd -m yescrypt "pässwörd ✓"}. */
    private static final String UNICODE = "$y$j9T$ReXlok7EQCSgcgsfVFmnv1$vAMMGISd.kTrRiV/MOXF964iUqXW77TWNUn/1dNDJ59";
    /** {@code mkpasswd -m yescrypt ""}. */
    private static final String EMPTY = "$y$j9T$KKCAExPt30c3J6LtUzaSU.$OLdxl5qdt082m1WKSTbBHYeFiDU/9YR3sb2AtVeXM68";
    /** {@code mkpasswd -m yescrypt LONG_PASSWORD}. */
    private static final String LONG = "$y$j9T$kYsp6qiyMKwd3rvABE.Gq.$UfJAyyrS8vAa5OnsJuxKYQwB3Mw1Zm8pKjqiqO2k0DA";
    /** {@code mkpasswd -m yescrypt -R 1 "correct horse"}: N = 1024, r = 8, too small for the pre-hash pass. */
    private static final String COST_1 = "$y$j75$QCEvLa4jBSzknijl5WNOa/$nG6M400HlauMf10GSl1wYkKDFGaPnW2OSjfvKO2SNU0";
    /** {@code mkpasswd -m yescrypt -R 3 "correct horse"}: N = 1024, r = 32. */
    private static final String COST_3 = "$y$j7T$RDTArFHuigLDbgpu5a0qR0$vfXZ07kMe65iPzQbx/Q1Y7dFy3hCoOnf12WivQ6KJG9";
    /** {@code mkpasswd -m yescrypt -R 7 "correct horse"}: N = 16384, r = 32 (64 MiB). */
    private static final String COST_7 = "$y$jBT$m2YyTG86OwBmciq5zeA4B0$Y7zh0HiVcHu2xrkPfi1DhC9darVkwRuIQAMWGI05Xd4";

    /** crypt(3) of "correct horse" with the setting shown; the salt text decodes to 9 bytes. */
    private static final String[] LIBXCRYPT = {
        // p = 2
        "$y$j9T..$saltsaltsalt$dvD85QrqhNeMcwxOtwEjFrXsOmG.tzE9MAGhzPWWLS4",
        // t = 1
        "$y$j9T/.$saltsaltsalt$oHzCqX1mvFSx1vrjInItB2zzYh5OxvXHgRU9NGn2fT1",
        // N = 8192, r = 8, p = 3: lanes of unequal size
        "$y$jA5./$saltsaltsalt$fRvwj7RsnlLhLlmhiutH3FwGHFTr.68orDznuJRvsY8",
        // the WORM flavour
        "$y$/75$saltsaltsalt$oC.UKd4dK.nDnf9m4e5YJ5kPXCRVGm404ACbebtYldD",
        // WORM with p = 2 and t = 3
        "$y$/750.0$saltsaltsalt$4e/6lMOi4xSESrqRYJlqpeAlbVO2JdVdiRoMxXdE3U9",
        // the classic scrypt flavour, p = 1 and 2
        "$y$.75$saltsaltsalt$Y0l9rxNqx7XFP/rxb9kYtbV4sU6RDZvFY.t6LWyeMQ9",
        "$y$.75..$saltsaltsalt$6eSFaeuR9e4OsN3gQX2jFmCy3jQDWq/ZP1BT3CZ3D2A",
        // an empty salt, and the longest one (64 bytes)
        "$y$j75$$6BUZ57Ppq1XCOI8LGmraG8XOzb1ERDdNMwVQ/ANg0pD",
        "$y$j75$" + "A".repeat(84) + "..$W6T8pa/oNPfGvAin3t2PkGRS4BWWmzWXVt/pjeCmVp8",
    };
    /** {@code crypt("pässwörd ✓", "$y$j9T$unicodesalt.$")}. */
    private static final String LIBXCRYPT_UNICODE = "$y$j9T$unicodesalt.$EmlFUKn9El57cBefahC/M4jTUTaM5Y1Tt9DBO8jP7m.";

    @Test
    void hashesFromMkpasswdVerify() {
        assertTrue(verify(DEFAULT_COST, PASSWORD));
        assertFalse(verify(DEFAULT_COST, "correct horsE"));
        assertFalse(verify(DEFAULT_COST, PASSWORD + " "));
        assertTrue(verify(UNICODE, UNICODE_PASSWORD), "UTF-8 bytes");
        assertFalse(verify(UNICODE, "passwörd ✓"));
        assertTrue(verify(EMPTY, ""));
        assertFalse(verify(EMPTY, " "));
        assertTrue(verify(LONG, LONG_PASSWORD));
        assertFalse(verify(LONG, LONG_PASSWORD.substring(1)));
        assertTrue(verify(COST_1, PASSWORD));
        assertFalse(verify(COST_1, "correct"));
        assertTrue(verify(COST_3, PASSWORD));
        assertTrue(verify(COST_7, PASSWORD));
        assertFalse(verify(COST_7, ""));
    }

    @Test
    void settingsOnlyCryptAcceptsVerifyToo() {
        for (String hash : LIBXCRYPT) {
            assertTrue(verify(hash, PASSWORD), hash);
            assertFalse(verify(hash, "correct horse!"), hash);
        }
        assertTrue(verify(LIBXCRYPT_UNICODE, UNICODE_PASSWORD));
    }

    /** Flavour 0 is scrypt itself (with the decoded salt), so Bouncy Castle's scrypt can make vectors for it. */
    @Test
    void theScryptFlavourAgreesWithBouncyCastle() {
        byte[] salt = {1, 2, 3, (byte) 0xfe, (byte) 0xff, 0};
        String saltText = Scrypt.encode64(salt);
        for (String password : new String[] {"", PASSWORD, UNICODE_PASSWORD, LONG_PASSWORD}) {
            byte[] hash = SCrypt.generate(password.getBytes(StandardCharsets.UTF_8), salt, 1 << 10, 8, 1, 32);
            String stored = "$y$.75$" + saltText + "$" + Scrypt.encode64(hash);
            assertTrue(verify(stored, password), stored);
            assertFalse(verify(stored, password + "x"), stored);
        }
        byte[] threeLanes = SCrypt.generate(PASSWORD.getBytes(StandardCharsets.UTF_8), salt, 1 << 9, 4, 3, 32);
        assertTrue(verify("$y$.61./$" + saltText + "$" + Scrypt.encode64(threeLanes), PASSWORD), "N 512, r 4, p 3");
    }

    @Test
    void hashesMadeByMkpasswdNowVerify() throws Exception {
        assumeTrue(Files.isExecutable(MKPASSWD), "mkpasswd (package whois) missing");
        String[] passwords = {PASSWORD, UNICODE_PASSWORD, LONG_PASSWORD, "", "$y$j9T$", "\t \\ \"quoted\" "};
        for (String password : passwords) {
            String hash = mkpasswd(password);
            assertTrue(hash.startsWith("$y$j9T$"), hash);
            assertTrue(verify(hash, password), hash + " for " + password);
            assertFalse(verify(hash, password + "!"), hash);
        }
        for (int cost = 1; cost <= 8; cost++) {
            String password = passwords[cost % passwords.length];
            String hash = mkpasswd("-R", Integer.toString(cost), password);
            assertTrue(verify(hash, password), hash + " for " + password);
            if (cost <= 5) {
                assertFalse(verify(hash, password.isEmpty() ? "?" : password.substring(1)), hash);
            }
        }
    }

    /** libxcrypt's highest cost, 11, takes exactly our 1 GiB limit. */
    @Test
    void theHighestCostMkpasswdMakesStillVerifies() throws Exception {
        assumeTrue(Files.isExecutable(MKPASSWD), "mkpasswd (package whois) missing");
        assumeTrue(Runtime.getRuntime().maxMemory() > 3L << 29, "a heap of more than 1.5 GiB");
        String hash = mkpasswd("-R", "11", PASSWORD);
        assertTrue(hash.startsWith("$y$jFT$"), hash);
        assertTrue(verify(hash, PASSWORD), hash);
    }

    @Test
    void debiansDefaultCostIsFastEnoughForALogin() {
        assertTrue(verify(DEFAULT_COST, PASSWORD)); // warm-up, so the timing below is not the JIT's
        long start = System.nanoTime();
        assertTrue(verify(DEFAULT_COST, PASSWORD));
        Duration oneCheck = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(oneCheck.toMillis() < 1000, "one check took " + oneCheck);
    }

    @Test
    void malformedOrTooCostlySettingsNeverMatchAndNeverThrow() {
        String hash = DEFAULT_COST.substring(DEFAULT_COST.lastIndexOf('$'));
        String salt = "$pmYzQ9mFGoqirNxRHQ5aP/";
        List<String> bad = new ArrayList<>(List.of(
                "$y$", "$y$j", "$y$j9", "$y$j9T", "$y$j9T$", "$y$j9T" + salt, "$y$j9T" + salt + "$",
                DEFAULT_COST.substring(0, DEFAULT_COST.length() - 1), // truncated
                DEFAULT_COST + ".", // one char too many
                DEFAULT_COST.replace("$pmYz", "$pm*z"), // not base 64
                DEFAULT_COST.replace("aP/$", "aP$"), // a salt of 4n + 1 chars
                DEFAULT_COST.replace("aP/$", "aPz$"), // bits beyond the last byte
                "$y$j9T$" + "A".repeat(88) + hash, // more than 64 bytes of salt
                "$y$jbT" + salt + hash, // N = 2^40
                "$y$jzT" + salt + hash, // a six-char log2 N, cut short by the salt's "$"
                "$y$jGT" + salt + hash, // N = 2^19, r = 32: 2 GiB
                "$y$jFkD" + salt + hash, // N = 2^18, r = 64: 2 GiB
                "$y$j9zzzzzz" + salt + hash, // r as large as the encoding goes
                "$y$j.T" + salt + hash, // N = 2^1: too small for the RW flavour
                "$y$j9T1." + salt + hash, // g: hash upgrades, which libxcrypt refuses too
                "$y$j9T5." + salt + hash, // NROM: a ROM, which crypt(3) never has
                "$y$j9T.zzzzzz" + salt + hash, // p far too large
                "$y$j9T/zzzzzz" + salt + hash, // t far too large
                "$y$j9T/nv" + salt + hash, // t = 300: 299 passes over V
                "$y$i9T" + salt + hash, // an RW flavour libxcrypt does not build
                "$y$09T" + salt + hash, // RW without its pwxform settings
                "$y$s..9T" + salt + hash, // a flavour number beyond the defined ones
                "$y$.9T/." + salt + hash, // t with the classic flavour
                "$y$j9T." + salt + hash, // p missing after "have"
                "$y$j9T\u00e9" + salt + hash, // not ASCII
                "$Y$j9T" + salt + hash,
                "$y$j9T$" + hash.substring(1) + "$" + hash.substring(1)));
        for (String stored : bad) {
            assertFalse(assertDoesNotThrow(() -> Yescrypt.verify(stored, PASSWORD.getBytes(StandardCharsets.UTF_8)),
                    stored), stored);
            assertFalse(CHECKER.verify(stored, PASSWORD), stored);
        }
        assertFalse(PasswordHashes.isSupported("$y$jbT" + salt + hash), "absurd N");
        assertFalse(PasswordHashes.isSupported("$y$j9T5." + salt + hash), "NROM");
        assertTrue(PasswordHashes.isSupported(DEFAULT_COST));
        assertTrue(PasswordHashes.isSupported("$y$j9T$"), "a setting without a hash is well formed");
    }

    /** The bits of the "have" field that name no parameter are ignored, as libxcrypt ignores them. */
    @Test
    void unknownParameterBitsAreIgnoredLikeLibxcryptDoes() {
        // crypt("password", "$y$j9TF.$abcd$") and "$y$j9TV.$abcd$": have = 18 and 34, both meaning t = 1
        assertTrue(verify("$y$j9TF.$abcd$vEkupxUnAU0ga8QoxKHXM7oaz1Ns2rEjyrb143elZj/", "password"));
        assertTrue(verify("$y$j9TV.$abcd$vEkupxUnAU0ga8QoxKHXM7oaz1Ns2rEjyrb143elZj/", "password"));
        assertTrue(verify("$y$j9T/.$abcd$vEkupxUnAU0ga8QoxKHXM7oaz1Ns2rEjyrb143elZj/", "password"), "have = 2");
        assertFalse(verify("$y$j9T$abcd$vEkupxUnAU0ga8QoxKHXM7oaz1Ns2rEjyrb143elZj/", "password"), "t = 0");
        // have = 0x41084230: none of the four bits, and libxcrypt's crypt gives the plain j9T hash
        assertTrue(verify(DEFAULT_COST.replace("$y$j9T$", "$y$j9Tzzzzzz$"), PASSWORD));
    }

    private static boolean verify(String stored, String password) {
        return CHECKER.verify(stored, password);
    }

    private static String mkpasswd(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(MKPASSWD.toString(), "-m", "yescrypt"));
        command.addAll(List.of(arguments).subList(0, arguments.length - 1));
        command.add("--");
        command.add(arguments[arguments.length - 1]);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String hash = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + hash);
        return hash;
    }
}
