package dev.wharf.crypt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * The {@code $7$} scrypt crypt format of libsodium/escrypt and libxcrypt (Pure-FTPd's "scrypt", Debian's
 * {@code mkpasswd -m scrypt}): {@code $7$} N (log2, one char) r p (30 bits, five chars each, little-endian
 * crypt base 64), the salt (used as the text it is), {@code $}, 32 hash bytes in 43 chars.
 */
final class Scrypt {

    private static final String ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Pattern FORMAT =
            Pattern.compile("\\$7\\$([./0-9A-Za-z])([./0-9A-Za-z]{5})([./0-9A-Za-z]{5})([^$]*)\\$([./0-9A-Za-z]{43})");
    /** 128 * r * N bytes of memory: refuse more than 1 GiB, as for argon2. */
    private static final long MAX_MEMORY = 1L << 30;

    private Scrypt() {
    }

    static boolean isScrypt(String hash) {
        return FORMAT.matcher(hash).matches();
    }

    /** The memory one check of {@code stored} holds (128 * r * N bytes), or -1 when it is not a usable hash. */
    static long memoryBytes(String stored) {
        Matcher parts = FORMAT.matcher(stored);
        if (!parts.matches()) {
            return -1;
        }
        int log2N = ITOA64.indexOf(parts.group(1).charAt(0));
        long r = decode30(parts.group(2));
        return log2N < 1 || log2N > 30 || r < 1 || r > MAX_MEMORY ? -1 : 128L * r * (1L << log2N);
    }

    static boolean verify(String stored, byte[] password) {
        Matcher parts = FORMAT.matcher(stored);
        if (!parts.matches()) {
            return false;
        }
        int log2N = ITOA64.indexOf(parts.group(1).charAt(0));
        long r = decode30(parts.group(2));
        long p = decode30(parts.group(3));
        if (log2N < 1 || log2N > 30 || r < 1 || p < 1 || r * p >= 1L << 30
                || 128L * r * (1L << log2N) > MAX_MEMORY) {
            return false;
        }
        byte[] salt = parts.group(4).getBytes(StandardCharsets.UTF_8);
        byte[] hash = SCrypt.generate(password, salt, 1 << log2N, (int) r, (int) p, 32);
        return MessageDigest.isEqual(encode64(hash).getBytes(StandardCharsets.US_ASCII),
                parts.group(5).getBytes(StandardCharsets.US_ASCII));
    }

    private static long decode30(String text) {
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            value |= (long) ITOA64.indexOf(text.charAt(i)) << (6 * i);
        }
        return value;
    }

    /** escrypt's encode64: groups of up to three bytes, little-endian, six bits per char. */
    static String encode64(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < bytes.length;) {
            int value = 0;
            int bits = 0;
            do {
                value |= (bytes[i++] & 0xff) << bits;
                bits += 8;
            } while (bits < 24 && i < bytes.length);
            for (int bit = 0; bit < bits; bit += 6) {
                text.append(ITOA64.charAt(value & 0x3f));
                value >>>= 6;
            }
        }
        return text.toString();
    }
}
