package dev.wharf.crypt;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Checks passwords against the hash formats found in {@code pureftpd.passwd} files and /etc/shadow: argon2id and
 * argon2i in the PHC string form libsodium writes, bcrypt, scrypt ({@code $7$}), yescrypt ({@code $y$}), and the
 * crypt(3) schemes SHA-512, SHA-256, MD5 and traditional DES. Anything else (or an empty or mangled hash) never matches. Comparisons take the same time whatever bytes differ.
 */
public final class PasswordHashes {

    /** New hashes: argon2id with 64 MiB, 2 passes, 1 lane (RFC 9106's memory-constrained choice, fewer passes). */
    public static final int NEW_MEMORY_KIB = 65_536;
    public static final int NEW_ITERATIONS = 2;
    public static final int NEW_PARALLELISM = 1;
    /** Refuse parameters that would let one line exhaust the JVM heap or stall logins (1 GiB, 10,000 passes). */
    private static final int MAX_MEMORY_KIB = 1024 * 1024;
    private static final int MAX_ITERATIONS = 10_000;

    private static final Base64.Decoder BASE64 = Base64.getDecoder();
    private static final Base64.Encoder BASE64_NO_PADDING = Base64.getEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHashes() {
    }

    /** Whether the scheme of {@code hash} is one this class can check. */
    public static boolean isSupported(String hash) {
        return hash.startsWith("$argon2id$") || hash.startsWith("$argon2i$") || isBcrypt(hash)
                || UnixCrypt.isUnixCrypt(hash) || Scrypt.isScrypt(hash) || Yescrypt.isYescrypt(hash);
    }

    /**
     * Whether {@code password} matches {@code stored}, computed within {@code gate}'s bounds; false for unsupported
     * or malformed hashes. Callers go through {@link PasswordChecker}, which owns the gate.
     */
    static boolean check(HashingGate gate, String stored, char[] password) {
        if (isBcrypt(stored)) {
            return gate.run(0, () -> {
                try {
                    return OpenBSDBCrypt.checkPassword(stored, password);
                } catch (RuntimeException malformed) {
                    return false;
                }
            });
        }
        if (!isSupported(stored)) {
            return false;
        }
        byte[] secret = utf8(password);
        try {
            if (stored.startsWith("$argon2id$")) {
                return verifyArgon2(gate, stored, Argon2Parameters.ARGON2_id, secret);
            }
            if (stored.startsWith("$argon2i$")) {
                return verifyArgon2(gate, stored, Argon2Parameters.ARGON2_i, secret);
            }
            if (stored.startsWith("$7$")) {
                return memoryHard(gate, Scrypt.memoryBytes(stored), () -> Scrypt.verify(stored, secret));
            }
            if (stored.startsWith("$y$")) {
                return memoryHard(gate, Yescrypt.memoryBytes(stored), () -> Yescrypt.verify(stored, secret));
            }
            return gate.run(0, () -> UnixCrypt.verify(stored, secret));
        } catch (dev.wharf.api.auth.AuthBusyException busy) {
            throw busy;
        } catch (RuntimeException malformed) {
            return false;
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** A memory-hard check through the gate; one that could never fit this JVM's budget never matches. */
    private static boolean memoryHard(HashingGate gate, long memoryBytes, java.util.function.BooleanSupplier check) {
        if (memoryBytes < 0 || !HashingGate.fits(memoryBytes)) {
            return false;
        }
        return gate.run(memoryBytes, check);
    }

    /** A new argon2id hash in PHC form, e.g. {@code $argon2id$v=19$m=65536,t=2,p=1$salt$hash}. */
    public static String argon2id(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        byte[] hash;
        try {
            hash = argon2(Argon2Parameters.ARGON2_id, Argon2Parameters.ARGON2_VERSION_13, NEW_MEMORY_KIB,
                    NEW_ITERATIONS, NEW_PARALLELISM, salt, secret, 32);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        return "$argon2id$v=19$m=" + NEW_MEMORY_KIB + ",t=" + NEW_ITERATIONS + ",p=" + NEW_PARALLELISM + "$"
                + BASE64_NO_PADDING.encodeToString(salt) + "$" + BASE64_NO_PADDING.encodeToString(hash);
    }

    private static boolean isBcrypt(String hash) {
        return hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$");
    }

    /** {@code $argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>}; the version part is absent in old (v=16) hashes. */
    private static boolean verifyArgon2(HashingGate gate, String phc, int type, byte[] password) {
        String[] parts = phc.split("\\$", -1);
        int index = 2;
        int version = Argon2Parameters.ARGON2_VERSION_10;
        if (parts[index].startsWith("v=")) {
            version = Integer.parseInt(parts[index].substring(2));
            index++;
        }
        if (parts.length != index + 3) {
            return false;
        }
        int memory = 0;
        int iterations = 0;
        int parallelism = 0;
        for (String setting : parts[index].split(",")) {
            String[] pair = setting.split("=", 2);
            int value = Integer.parseInt(pair[1]);
            switch (pair[0]) {
                case "m" -> memory = value;
                case "t" -> iterations = value;
                case "p" -> parallelism = value;
                default -> {
                    return false;
                }
            }
        }
        if (memory <= 0 || memory > MAX_MEMORY_KIB || iterations <= 0 || iterations > MAX_ITERATIONS
                || parallelism <= 0 || parallelism > 255) {
            return false;
        }
        byte[] salt = BASE64.decode(padded(parts[index + 1]));
        byte[] expected = BASE64.decode(padded(parts[index + 2]));
        if (expected.length < 4) {
            return false;
        }
        int memoryKib = memory;
        int versionUsed = version;
        int passes = iterations;
        int lanes = parallelism;
        return memoryHard(gate, memoryKib * 1024L, () -> MessageDigest.isEqual(expected,
                argon2(type, versionUsed, memoryKib, passes, lanes, salt, password, expected.length)));
    }

    private static byte[] argon2(int type, int version, int memoryKib, int iterations, int parallelism, byte[] salt,
                                 byte[] password, int length) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(type).withVersion(version).withMemoryAsKB(memoryKib)
                .withIterations(iterations).withParallelism(parallelism).withSalt(salt).build());
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }

    /** UTF-8 bytes of the password without an intermediate String that would linger in memory. */
    private static byte[] utf8(char[] password) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return bytes;
    }

    private static String padded(String base64) {
        return base64 + "=".repeat((4 - base64.length() % 4) % 4);
    }
}
