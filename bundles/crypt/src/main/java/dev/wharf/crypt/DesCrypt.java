package dev.wharf.crypt;

/**
 * Traditional DES crypt(3), the 13-character hashes of old /etc/passwd files, {@code mkpasswd -m descrypt} and
 * Pure-FTPd setups that pass them to libc: two salt characters, then 64 bits in 11 characters. The first 8
 * characters of the password (7 bits each) are a DES key that encrypts a zero block 25 times, with the expansion
 * table perturbed by the 12-bit salt. DES is computed here bit by bit: 25 blocks per login cost nothing, and the
 * scheme is only ever checked, never used for new hashes.
 */
final class DesCrypt {

    private static final String ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static final int LENGTH = 13;
    private static final int ITERATIONS = 25;

    // FIPS 46-3 tables, positions counted from 1
    private static final int[] IP = {
        58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
        62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
        57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
        61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7};
    private static final int[] PC1 = {
        57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
        10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
        63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
        14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4};
    private static final int[] PC2 = {
        14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
        41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32};
    private static final int[] SHIFTS = {1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1};
    private static final int[] E = {
        32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
        16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1};
    private static final int[] P = {
        16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
        2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25};
    private static final int[][] S = {
        {14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
         0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
         4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
         15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13},
        {15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
         3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
         0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
         13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9},
        {10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
         13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
         13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
         1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12},
        {7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
         13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
         10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
         3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14},
        {2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
         14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
         4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
         11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3},
        {12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
         10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
         9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
         4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13},
        {4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
         13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
         1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
         6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12},
        {13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
         1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
         7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
         2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11}};

    private DesCrypt() {
    }

    /** Exactly 13 characters of the crypt alphabet. */
    static boolean isDesCrypt(String hash) {
        if (hash.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            if (ALPHABET.indexOf(hash.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The whole 13-character hash of {@code password} with the salt of {@code settings} (its first 2 chars). */
    static String crypt(String settings, byte[] password) {
        int salt = ALPHABET.indexOf(settings.charAt(0)) | ALPHABET.indexOf(settings.charAt(1)) << 6;
        byte[] key = new byte[64];
        for (int i = 0; i < 8 && i < password.length && password[i] != 0; i++) {
            int c = password[i] & 0x7f; // a C string: it ends at NUL, and the eighth bit of each byte is lost
            for (int bit = 0; bit < 7; bit++) {
                key[i * 8 + bit] = (byte) (c >> 6 - bit & 1);
            }
        }
        int[] expansion = E.clone();
        for (int i = 0; i < 12; i++) {
            if ((salt >> i & 1) != 0) {
                int swapped = expansion[i];
                expansion[i] = expansion[i + 24];
                expansion[i + 24] = swapped;
            }
        }
        byte[][] subkeys = subkeys(key);
        byte[] block = new byte[64];
        for (int i = 0; i < ITERATIONS; i++) {
            block = encrypt(block, subkeys, expansion);
        }
        StringBuilder out = new StringBuilder(LENGTH).append(settings, 0, 2);
        for (int i = 0; i < 11; i++) {
            int value = 0;
            for (int bit = 0; bit < 6; bit++) {
                int index = i * 6 + bit;
                value = value << 1 | (index < 64 ? block[index] : 0);
            }
            out.append(ALPHABET.charAt(value));
        }
        return out.toString();
    }

    /** Plain DES of one 64-bit block (bits as bytes 0/1), used by the tests against the JDK's DES. */
    static byte[] encrypt(byte[] block, byte[][] subkeys, int[] expansion) {
        byte[] left = new byte[32];
        byte[] right = new byte[32];
        for (int i = 0; i < 32; i++) {
            left[i] = block[IP[i] - 1];
            right[i] = block[IP[i + 32] - 1];
        }
        byte[] expanded = new byte[48];
        byte[] substituted = new byte[32];
        for (byte[] subkey : subkeys) {
            for (int i = 0; i < 48; i++) {
                expanded[i] = (byte) (right[expansion[i] - 1] ^ subkey[i]);
            }
            for (int box = 0; box < 8; box++) {
                int b = box * 6;
                int row = expanded[b] << 1 | expanded[b + 5];
                int column = expanded[b + 1] << 3 | expanded[b + 2] << 2 | expanded[b + 3] << 1 | expanded[b + 4];
                int value = S[box][row * 16 + column];
                for (int bit = 0; bit < 4; bit++) {
                    substituted[box * 4 + bit] = (byte) (value >> 3 - bit & 1);
                }
            }
            byte[] next = new byte[32];
            for (int i = 0; i < 32; i++) {
                next[i] = (byte) (left[i] ^ substituted[P[i] - 1]);
            }
            left = right;
            right = next;
        }
        // the halves are swapped after the last round, then the inverse of IP
        byte[] preOutput = new byte[64];
        System.arraycopy(right, 0, preOutput, 0, 32);
        System.arraycopy(left, 0, preOutput, 32, 32);
        byte[] out = new byte[64];
        for (int i = 0; i < 64; i++) {
            out[IP[i] - 1] = preOutput[i];
        }
        return out;
    }

    /** The 16 round keys of a 64-bit key (bits as bytes 0/1, parity bits ignored). */
    static byte[][] subkeys(byte[] key) {
        byte[] cd = new byte[56];
        for (int i = 0; i < 56; i++) {
            cd[i] = key[PC1[i] - 1];
        }
        byte[][] subkeys = new byte[16][48];
        for (int round = 0; round < 16; round++) {
            for (int shift = 0; shift < SHIFTS[round]; shift++) {
                rotateLeft(cd, 0);
                rotateLeft(cd, 28);
            }
            for (int i = 0; i < 48; i++) {
                subkeys[round][i] = cd[PC2[i] - 1];
            }
        }
        return subkeys;
    }

    /** The unperturbed expansion table, for plain DES. */
    static int[] expansion() {
        return E.clone();
    }

    private static void rotateLeft(byte[] cd, int start) {
        byte first = cd[start];
        System.arraycopy(cd, start + 1, cd, start, 27);
        cd[start + 27] = first;
    }
}
