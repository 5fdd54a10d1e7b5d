package dev.wharf.crypt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The crypt(3) schemes a {@code pureftpd.passwd} written without libsodium (or converted from /etc/shadow) may
 * hold: SHA-512 {@code $6$}, SHA-256 {@code $5$} (Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"
 * specification), MD5 {@code $1$} (Poul-Henning Kamp's md5crypt) and traditional DES ({@link DesCrypt}). Only
 * checking is offered: new hashes are always argon2id.
 */
final class UnixCrypt {

    private static final String ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static final String ROUNDS_PREFIX = "rounds=";
    private static final int SHA_DEFAULT_ROUNDS = 5_000;
    private static final int SHA_MIN_ROUNDS = 1_000;
    /** The specification allows 999,999,999; a line asking for more than this would stall a login for minutes. */
    private static final int SHA_MAX_ROUNDS = 10_000_000;
    private static final int SHA_MAX_SALT = 16;
    private static final int MD5_MAX_SALT = 8;
    private static final int MD5_ROUNDS = 1_000;

    /** Output order of the digest bytes, three at a time (most significant first), from the specification. */
    private static final int[] SHA256_ORDER = {
        0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8,
        9, 19, 29, 31, 30};
    private static final int[] SHA512_ORDER = {
        0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29,
        9, 30, 51, 31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16,
        59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41, 63};
    private static final int[] MD5_ORDER = {0, 6, 12, 1, 7, 13, 2, 8, 14, 3, 9, 15, 4, 10, 5, 11};

    private UnixCrypt() {
    }

    static boolean isUnixCrypt(String hash) {
        return hash.startsWith("$6$") || hash.startsWith("$5$") || hash.startsWith("$1$") || DesCrypt.isDesCrypt(hash);
    }

    /** Recomputes {@code stored} from its own settings and compares the whole strings in constant time. */
    static boolean verify(String stored, byte[] password) {
        String computed;
        if (stored.startsWith("$6$")) {
            computed = shaCrypt("$6$", "SHA-512", SHA512_ORDER, stored, password);
        } else if (stored.startsWith("$5$")) {
            computed = shaCrypt("$5$", "SHA-256", SHA256_ORDER, stored, password);
        } else if (stored.startsWith("$1$")) {
            computed = md5Crypt(stored, password);
        } else if (DesCrypt.isDesCrypt(stored)) {
            computed = DesCrypt.crypt(stored, password);
        } else {
            return false;
        }
        return computed != null && MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
                stored.getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code $5$[rounds=N$]salt$hash} or the same with {@code $6$}; {@code null} when the settings are unusable. */
    private static String shaCrypt(String magic, String algorithm, int[] order, String stored, byte[] key) {
        String settings = stored.substring(magic.length());
        int rounds = SHA_DEFAULT_ROUNDS;
        boolean explicitRounds = settings.startsWith(ROUNDS_PREFIX);
        if (explicitRounds) {
            int end = settings.indexOf('$');
            if (end < 0) {
                return null;
            }
            try {
                rounds = Integer.parseInt(settings.substring(ROUNDS_PREFIX.length(), end));
            } catch (NumberFormatException notANumber) {
                return null;
            }
            if (rounds > SHA_MAX_ROUNDS) {
                return null;
            }
            rounds = Math.max(rounds, SHA_MIN_ROUNDS);
            settings = settings.substring(end + 1);
        }
        String saltText = saltOf(settings, SHA_MAX_SALT);
        byte[] salt = saltText.getBytes(StandardCharsets.UTF_8);

        MessageDigest digest = digest(algorithm);
        int size = digest.getDigestLength();

        digest.update(key);
        digest.update(salt);
        digest.update(key);
        byte[] alternate = digest.digest();

        digest.update(key);
        digest.update(salt);
        addRepeated(digest, alternate, key.length);
        for (int bits = key.length; bits > 0; bits >>= 1) {
            digest.update((bits & 1) != 0 ? alternate : key);
        }
        byte[] intermediate = digest.digest();

        for (int i = 0; i < key.length; i++) {
            digest.update(key);
        }
        byte[] keySequence = repeatToLength(digest.digest(), key.length);

        for (int i = 0; i < 16 + (intermediate[0] & 0xFF); i++) {
            digest.update(salt);
        }
        byte[] saltSequence = repeatToLength(digest.digest(), salt.length);

        for (int round = 0; round < rounds; round++) {
            boolean odd = (round & 1) != 0;
            digest.update(odd ? keySequence : intermediate);
            if (round % 3 != 0) {
                digest.update(saltSequence);
            }
            if (round % 7 != 0) {
                digest.update(keySequence);
            }
            digest.update(odd ? intermediate : keySequence);
            intermediate = digest.digest();
        }
        Arrays.fill(keySequence, (byte) 0);

        StringBuilder out = new StringBuilder(magic);
        if (explicitRounds) {
            out.append(ROUNDS_PREFIX).append(rounds).append('$');
        }
        out.append(saltText).append('$');
        encode(out, intermediate, order);
        return out.toString();
    }

    /** {@code $1$salt$hash}. */
    private static String md5Crypt(String stored, byte[] key) {
        String magic = "$1$";
        String saltText = saltOf(stored.substring(magic.length()), MD5_MAX_SALT);
        byte[] salt = saltText.getBytes(StandardCharsets.UTF_8);
        MessageDigest digest = digest("MD5");

        digest.update(key);
        digest.update(salt);
        digest.update(key);
        byte[] alternate = digest.digest();

        digest.update(key);
        digest.update(magic.getBytes(StandardCharsets.US_ASCII));
        digest.update(salt);
        addRepeated(digest, alternate, key.length);
        // The original adds a zero byte for set bits and the key's first byte for clear ones.
        for (int bits = key.length; bits > 0; bits >>= 1) {
            digest.update((bits & 1) != 0 ? 0 : key[0]);
        }
        byte[] result = digest.digest();

        for (int round = 0; round < MD5_ROUNDS; round++) {
            boolean odd = (round & 1) != 0;
            digest.update(odd ? key : result);
            if (round % 3 != 0) {
                digest.update(salt);
            }
            if (round % 7 != 0) {
                digest.update(key);
            }
            digest.update(odd ? result : key);
            result = digest.digest();
        }

        StringBuilder out = new StringBuilder(magic).append(saltText).append('$');
        encode(out, result, MD5_ORDER);
        return out.toString();
    }

    /** The salt ends at the next {@code $} and is cut to the scheme's maximum length, as crypt(3) does. */
    private static String saltOf(String settings, int maxLength) {
        int end = settings.indexOf('$');
        String salt = end < 0 ? settings : settings.substring(0, end);
        return salt.length() > maxLength ? salt.substring(0, maxLength) : salt;
    }

    /** Adds {@code block} over and over, the last copy cut short, until {@code length} bytes have been added. */
    private static void addRepeated(MessageDigest digest, byte[] block, int length) {
        int remaining = length;
        while (remaining > block.length) {
            digest.update(block);
            remaining -= block.length;
        }
        digest.update(block, 0, remaining);
    }

    private static byte[] repeatToLength(byte[] block, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = block[i % block.length];
        }
        Arrays.fill(block, (byte) 0);
        return out;
    }

    /**
     * crypt's base64: groups of three bytes taken in {@code order}, each group written as four characters, least
     * significant six bits first; a final one or two bytes give two or three characters.
     */
    private static void encode(StringBuilder out, byte[] bytes, int[] order) {
        int i = 0;
        for (; i + 3 <= order.length; i += 3) {
            append(out, (bytes[order[i]] & 0xFF) << 16 | (bytes[order[i + 1]] & 0xFF) << 8
                    | bytes[order[i + 2]] & 0xFF, 4);
        }
        int left = order.length - i;
        if (left == 2) {
            append(out, (bytes[order[i]] & 0xFF) << 8 | bytes[order[i + 1]] & 0xFF, 3);
        } else if (left == 1) {
            append(out, bytes[order[i]] & 0xFF, 2);
        }
    }

    private static void append(StringBuilder out, int value, int characters) {
        for (int c = 0; c < characters; c++) {
            out.append(ALPHABET.charAt(value & 0x3F));
            value >>>= 6;
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException missing) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", missing);
        }
    }
}
