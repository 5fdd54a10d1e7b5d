package dev.wharf.crypt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The {@code $y$} yescrypt crypt format of libxcrypt (Debian's default in /etc/shadow since 11, {@code mkpasswd -m
 * yescrypt}), checked from the published yescrypt specification. The string is {@code $y$}, the parameters as
 * variable-length numbers in crypt base 64 (flavour, log2 N, r, then optionally a bit set saying which of p, t, g
 * and log2 NROM follow), {@code $}, the salt (crypt base 64, decoded to at most 64 bytes), {@code $}, 32 hash bytes
 * in 43 chars.
 *
 * <p>Flavours: 0 is classic scrypt, 1 is yescrypt's "WORM" (scrypt with the t cost and yescrypt's pre- and
 * post-processing), and the one libxcrypt writes ({@code j}) is "RW" with pwxform over 12 KiB S-boxes, 6 rounds,
 * 4 gathers of 2 simple lanes; libxcrypt refuses the other RW flavours, hash upgrades (g) and ROMs (NROM), and so
 * does this class. Costs beyond {@link #MAX_MEMORY} or {@link #MAX_WORK} are refused rather than computed.
 *
 * <p>Internally every 64-byte block is kept as 16 ints in the "SIMD shuffled" order of the specification's
 * reference code (word i holds the block's word 5i mod 16): pwxform reads its lanes, and the S-boxes its bytes,
 * in that order.
 */
final class Yescrypt {

    private static final String ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String PREFIX = "$y$";

    private static final int WORM = 1;
    private static final int RW = 2;
    /** RW with 6 pwxform rounds, 4 gathers, 2 simple lanes and 12 KiB S-boxes: libxcrypt's only RW flavour. */
    private static final int RW_DEFAULTS = RW | 0x004 | 0x010 | 0x020 | 0x080;
    private static final int RW_FLAVOR_MASK = 0x3fc;

    /** The V array, 128 * r * N bytes: refuse more than 1 GiB, as for scrypt and argon2 (libxcrypt's top cost). */
    private static final long MAX_MEMORY = 1L << 30;
    /** The per-lane blocks and S-boxes besides V, which only p inflates. */
    private static final long MAX_LANE_MEMORY = 64L << 20;
    /** Mixing steps, in 128-byte blocks: four passes over a full 1 GiB V at most. */
    private static final long MAX_WORK = 4 * (MAX_MEMORY / 128);
    private static final int MAX_SALT = 64;

    /** S-boxes: 3 of 256 entries of 2 lanes of 64 bits, 12 KiB, filled by classic SMix1 over 96 blocks. */
    private static final int SBOX_WORDS = 3 * 256 * 2 * 2;
    private static final int SBOX_BLOCKS = SBOX_WORDS / 32;
    /** One S-box in 64-bit lanes: 256 entries of 2. */
    private static final int SBOX_PART_LANES = 256 * 2;
    /** Byte offset of an S-box entry from the low 32 bits of a lane: bits 4 to 11. */
    private static final int SBOX_MASK = 0xff0;
    private static final int PWX_ROUNDS = 6;

    private static final long LOW = 0xffffffffL;
    private static final byte[] KEY = "yescrypt".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREHASH_KEY = "yescrypt-prehash".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_KEY = "Client Key".getBytes(StandardCharsets.US_ASCII);

    private Yescrypt() {
    }

    /** A {@code $y$} string whose settings this class accepts (the hash itself is not looked at). */
    static boolean isYescrypt(String hash) {
        return Setting.parse(hash) != null;
    }

    /** The memory one check of {@code stored} holds (its V array and S-boxes), or -1 when it is not usable. */
    static long memoryBytes(String stored) {
        Setting setting = Setting.parse(stored);
        if (setting == null) {
            return -1;
        }
        boolean rw = (setting.flags & RW) != 0;
        return 128L * setting.r * (1L << setting.log2N) + (rw ? setting.p * SBOX_WORDS * 4L : 0);
    }

    /** Recomputes {@code stored} from its own settings and compares the whole strings in constant time. */
    static boolean verify(String stored, byte[] password) {
        Setting setting = Setting.parse(stored);
        if (setting == null) {
            return false;
        }
        byte[] hash;
        try {
            hash = new Computation(setting).derive(password);
        } catch (OutOfMemoryError tooLargeForThisHeap) {
            return false; // one large array that the heap cannot hold: drop it, nothing else is affected
        }
        String computed = stored.substring(0, setting.saltEnd) + "$" + Scrypt.encode64(hash);
        Arrays.fill(hash, (byte) 0);
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.UTF_8),
                stored.getBytes(StandardCharsets.UTF_8));
    }

    /** The parameters of one {@code $y$} string, checked as libxcrypt checks them and against our cost bounds. */
    private record Setting(int flags, int log2N, int r, int p, int t, byte[] salt, int saltEnd) {

        static Setting parse(String text) {
            if (!text.startsWith(PREFIX)) {
                return null;
            }
            Reader in = new Reader(text, PREFIX.length());
            long flavor = in.number(0);
            int flags;
            if (flavor < 0) {
                return null;
            } else if (flavor < RW) {
                flags = (int) flavor;
            } else if (flavor <= RW + (RW_FLAVOR_MASK >> 2)) {
                flags = RW + (((int) flavor - RW) << 2);
            } else {
                return null;
            }
            long log2N = in.number(1);
            long r = in.number(1);
            long p = 1;
            long t = 0;
            long g = 0;
            if (in.peek() != '$') {
                long have = in.number(1); // bits beyond these four are ignored, as by libxcrypt
                if (have < 0) {
                    return null;
                }
                if ((have & 1) != 0) {
                    p = in.number(2);
                }
                if ((have & 2) != 0) {
                    t = in.number(1);
                }
                if ((have & 4) != 0) {
                    g = in.number(1);
                }
                if ((have & 8) != 0) {
                    return null; // NROM: a shared ROM, which libxcrypt's crypt never has either
                }
            }
            if (log2N < 0 || r < 0 || p < 0 || t < 0 || g < 0 || in.peek() != '$') {
                return null;
            }
            int saltStart = in.position + 1;
            int saltEnd = text.lastIndexOf('$');
            if (saltEnd < saltStart) {
                saltEnd = text.length();
            }
            byte[] salt = decode64(text, saltStart, saltEnd);
            // g (hash upgrades) is refused by libxcrypt's yescrypt as well
            if (salt == null || g != 0 || !allowed(flags, log2N, r, p, t)) {
                return null;
            }
            return new Setting(flags, (int) log2N, (int) r, (int) p, (int) t, salt, saltEnd);
        }

        /** yescrypt's own parameter rules, then the memory and time bounds. */
        private static boolean allowed(int flags, long log2N, long r, long p, long t) {
            boolean rw = (flags & RW) != 0;
            if (!(flags == 0 && t == 0 || flags == WORM || flags == RW_DEFAULTS)) {
                return false;
            }
            if (log2N < 1 || log2N > 32 || r < 1 || p < 1 || r * p >= 1L << 30 || rw && (1L << log2N) / p <= 3) {
                return false;
            }
            long n = 1L << log2N;
            if (r > MAX_MEMORY / 128 / n || p * (128 * r + (rw ? SBOX_WORDS * 4L : 0)) > MAX_LANE_MEMORY) {
                return false;
            }
            try {
                long work = rw
                        ? Math.addExact(Math.multiplyExact(r, Math.addExact(n, p * loopCount(n / p, t, true))),
                                p * SBOX_BLOCKS)
                        : Math.multiplyExact(p * r, Math.addExact(n, loopCount(n, t, false)));
                return work <= MAX_WORK;
            } catch (ArithmeticException absurd) {
                return false;
            }
        }
    }

    /** yescrypt's variable-length numbers: the first char says how many more follow, six bits each. */
    private static final class Reader {
        private final String text;
        private int position;

        Reader(String text, int position) {
            this.text = text;
            this.position = position;
        }

        int peek() {
            return position < text.length() ? text.charAt(position) : -1;
        }

        private int digit() {
            int value = position < text.length() ? ITOA64.indexOf(text.charAt(position)) : -1;
            position++;
            return value;
        }

        /**
         * The first char's value range is split: 0 to 47 stand alone, then 8 values take one more char, 4 take
         * two, 2 three, 1 four and 1 five; a 32-bit unsigned result ({@code min} added), -1 when malformed.
         */
        long number(long min) {
            int c = digit();
            if (c < 0) {
                return -1;
            }
            long value = min;
            int start = 0;
            int end = 47;
            int chars = 1;
            int bits = 0;
            while (c > end) {
                value += (long) (end + 1 - start) << bits;
                start = end + 1;
                end = start + (62 - end) / 2;
                chars++;
                bits += 6;
            }
            value += (long) (c - start) << bits;
            while (--chars > 0) {
                c = digit();
                if (c < 0) {
                    return -1;
                }
                bits -= 6;
                value += (long) c << bits;
            }
            return value & LOW; // libxcrypt's arithmetic is on 32-bit unsigned numbers
        }
    }

    /**
     * The salt: groups of four chars make three bytes, little-endian; a last group of two or three chars makes one
     * or two bytes whose unused high bits must be zero. {@code null} when malformed or longer than 64 bytes.
     */
    private static byte[] decode64(String text, int from, int to) {
        int length = to - from;
        if (length % 4 == 1) {
            return null;
        }
        byte[] out = new byte[length / 4 * 3 + Math.max(0, length % 4 - 1)];
        if (out.length > MAX_SALT) {
            return null;
        }
        int at = 0;
        for (int group = from; group < to; group += 4) {
            int chars = Math.min(4, to - group);
            int value = 0;
            for (int i = 0; i < chars; i++) {
                int c = ITOA64.indexOf(text.charAt(group + i));
                if (c < 0) {
                    return null;
                }
                value |= c << (6 * i);
            }
            for (int bits = 6 * chars; bits >= 8; bits -= 8) {
                out[at++] = (byte) value;
                value >>>= 8;
            }
            if (value != 0) {
                return null;
            }
        }
        return out;
    }

    /**
     * SMix2's iteration count from the size of a lane's share of V and t: a third of it (RW, t = 0), two thirds
     * (t = 1), t - 1 times it beyond; classic and WORM do it once, one and a half times (t = 1), or t times.
     */
    private static long loopCount(long chunk, long t, boolean rw) {
        long count = chunk;
        if (rw) {
            if (t <= 1) {
                if (t == 1) {
                    count *= 2;
                }
                count = (count + 2) / 3;
            } else {
                count *= t - 1;
            }
        } else if (t != 0) {
            if (t == 1) {
                count += (count + 1) / 2;
            }
            count *= t;
        }
        return count;
    }

    /**
     * One lane's S-boxes as 64-bit lanes (the low word first, as the specification reads them), with their rotating
     * roles (offsets of S0, S1, S2: S2 starts at the beginning, S0 at the end) and S2's write position.
     */
    private static final class Sbox {
        final long[] lanes = new long[3 * SBOX_PART_LANES];
        int s0 = 2 * SBOX_PART_LANES;
        int s1 = SBOX_PART_LANES;
        int s2 = 0;
        int w;

        Sbox(int[] words) {
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = words[2 * i] & LOW | (long) words[2 * i + 1] << 32;
            }
        }
    }

    /** The arrays of one derivation, allocated once and used for the pre-hash pass too. */
    private static final class Computation {
        private final Setting setting;
        private final int r;
        private final int p;
        private final boolean rw;
        private final int[] v;
        private final int[] x;
        private final int[] y;
        private final int[] t16 = new int[16];
        private final int[] sboxWords;
        private final Sbox[] sboxes;

        Computation(Setting setting) {
            this.setting = setting;
            this.r = setting.r;
            this.p = setting.p;
            this.rw = (setting.flags & RW) != 0;
            this.v = new int[32 * r << setting.log2N];
            this.x = new int[32 * r];
            this.y = new int[32 * r];
            this.sboxWords = new int[rw ? SBOX_WORDS : 0];
            this.sboxes = new Sbox[rw ? p : 0];
        }

        /** yescrypt_kdf: for large RW costs the password is first replaced by a hash at a 64th of N. */
        byte[] derive(byte[] password) {
            int n = 1 << setting.log2N;
            if (rw && n / p >= 0x100 && (long) (n / p) * r >= 0x20000) {
                byte[] prehashed = body(password, n >> 6, 0, true);
                try {
                    return body(prehashed, n, setting.t, false);
                } finally {
                    Arrays.fill(prehashed, (byte) 0);
                }
            }
            return body(password, n, setting.t, false);
        }

        private byte[] body(byte[] password, int n, int t, boolean prehash) {
            int flags = setting.flags;
            byte[] key = flags == 0 ? password : hmac(prehash ? PREHASH_KEY : KEY, password);
            byte[] b = pbkdf2(key, setting.salt, 128 * r * p);
            // from here on, yescrypt's "password" is the start of B (which RW's SMix replaces with an HMAC of it)
            byte[] passwd = key;
            if (flags != 0) {
                passwd = Arrays.copyOf(b, 32);
                Arrays.fill(key, (byte) 0);
            }
            if (p == 1 || rw) {
                smix(b, 0, n, p, t, passwd);
            } else {
                for (int lane = 0; lane < p; lane++) {
                    smix(b, lane * 128 * r, n, 1, t, passwd);
                }
            }
            byte[] dk = pbkdf2(passwd, b, 32);
            Arrays.fill(b, (byte) 0);
            if (flags != 0) {
                Arrays.fill(passwd, (byte) 0);
            }
            if (flags != 0 && !prehash) {
                // SCRAM's StoredKey = H(HMAC(SaltedPassword, "Client Key"))
                byte[] clientKey = hmac(dk, CLIENT_KEY);
                SHA256Digest sha256 = new SHA256Digest();
                sha256.update(clientKey, 0, clientKey.length);
                sha256.doFinal(dk, 0);
                Arrays.fill(clientKey, (byte) 0);
            }
            return dk;
        }

        /** SMix over p lanes of B starting at {@code offset}; V is shared, RW lanes first fill their S-boxes. */
        private void smix(byte[] b, int offset, int n, int lanes, int t, byte[] passwd) {
            long chunk = n / lanes;
            long loopAll = loopCount(chunk, t, rw);
            long loopRw = rw ? loopAll / lanes : 0;
            chunk &= ~1L;
            loopAll = loopAll + 1 & ~1L;
            loopRw = loopRw + 1 & ~1L;
            int laneBytes = 128 * r;
            for (int i = 0; i < lanes; i++) {
                int vChunk = (int) (i * chunk);
                int count = i < lanes - 1 ? (int) chunk : n - vChunk;
                int at = offset + i * laneBytes;
                Sbox sbox = null;
                if (rw) {
                    smix1(b, at, 1, SBOX_BLOCKS, false, sboxWords, 0, null);
                    sbox = new Sbox(sboxWords);
                    sboxes[i] = sbox;
                    if (i == 0) {
                        HMac mac = mac(Arrays.copyOfRange(b, at + laneBytes - 64, at + laneBytes));
                        mac.update(passwd, 0, 32);
                        mac.doFinal(passwd, 0);
                    }
                }
                smix1(b, at, r, count, rw, v, vChunk * 32 * r, sbox);
                smix2(b, at, Integer.highestOneBit(count), loopRw, rw, vChunk * 32 * r, sbox);
            }
            if (loopAll > loopRw) {
                for (int i = 0; i < lanes; i++) {
                    smix2(b, offset + i * laneBytes, n, loopAll - loopRw, false, 0, rw ? sboxes[i] : null);
                }
            }
        }

        /** SMix1: V gets {@code count} successive states (RW: each mixed with an earlier one); B the last. */
        private void smix1(byte[] b, int at, int blockR, int count, boolean write, int[] target, int base,
                           Sbox sbox) {
            int s = 32 * blockR;
            load(b, at, s);
            for (int i = 0; i < count; i++) {
                System.arraycopy(x, 0, target, base + i * s, s);
                if (write && i > 1) {
                    int window = Integer.highestOneBit(i);
                    int j = (x[s - 16] & window - 1) + i - window;
                    xor(target, base + j * s, s);
                }
                blockMix(blockR, sbox);
            }
            store(b, at, s);
        }

        /** SMix2: {@code loops} steps mixing in V entries picked by the state (RW: writing the result back). */
        private void smix2(byte[] b, int at, int n, long loops, boolean write, int base, Sbox sbox) {
            if (loops == 0) {
                return;
            }
            int s = 32 * r;
            load(b, at, s);
            for (long i = 0; i < loops; i++) {
                int j = base + (x[s - 16] & n - 1) * s;
                xor(v, j, s);
                if (write) {
                    System.arraycopy(x, 0, v, j, s);
                }
                blockMix(r, sbox);
            }
            store(b, at, s);
        }

        private void blockMix(int blockR, Sbox sbox) {
            if (sbox == null) {
                blockMixSalsa8(blockR);
            } else {
                blockMixPwxform(sbox);
            }
        }

        /** scrypt's BlockMix with Salsa20/8: chained, then even outputs first and odd ones after. */
        private void blockMixSalsa8(int blockR) {
            int blocks = 2 * blockR;
            System.arraycopy(x, (blocks - 1) * 16, t16, 0, 16);
            for (int i = 0; i < blocks; i++) {
                for (int k = 0; k < 16; k++) {
                    t16[k] ^= x[i * 16 + k];
                }
                salsa(t16, 0, 8);
                System.arraycopy(t16, 0, y, i * 16, 16);
            }
            for (int i = 0; i < blockR; i++) {
                System.arraycopy(y, 2 * i * 16, x, i * 16, 16);
                System.arraycopy(y, (2 * i + 1) * 16, x, (blockR + i) * 16, 16);
            }
        }

        /** yescrypt's BlockMix: pwxform over each 64-byte block, chained, then Salsa20/2 of the last one. */
        private void blockMixPwxform(Sbox sbox) {
            int blocks = 2 * r;
            int last = (blocks - 1) * 16;
            for (int i = 0; i < blocks; i++) {
                int at = i * 16;
                pwxform(x, at, i == 0 ? last : at - 16, sbox);
            }
            salsa(x, last, 2);
        }

        /** Copies B's 32-bit little-endian words into x in shuffled order. */
        private void load(byte[] b, int at, int s) {
            for (int block = 0; block < s; block += 16) {
                for (int i = 0; i < 16; i++) {
                    x[block + i] = littleEndian(b, at + 4 * (block + (5 * i & 15)));
                }
            }
        }

        private void store(byte[] b, int at, int s) {
            for (int block = 0; block < s; block += 16) {
                for (int i = 0; i < 16; i++) {
                    int value = x[block + i];
                    int to = at + 4 * (block + (5 * i & 15));
                    b[to] = (byte) value;
                    b[to + 1] = (byte) (value >>> 8);
                    b[to + 2] = (byte) (value >>> 16);
                    b[to + 3] = (byte) (value >>> 24);
                }
            }
        }

        private void xor(int[] source, int from, int s) {
            for (int k = 0; k < s; k++) {
                x[k] ^= source[from + k];
            }
        }
    }

    /**
     * pwxform on one 64-byte block xored with an earlier one: 4 gathers of 2 simple 64-bit lanes. Each round, each
     * lane becomes hi * lo + S0[..] xor S1[..], the entries picked by the low and high words of the gather's first
     * lane; rounds 1 to 4 also write all lanes to S2. Then the S-boxes rotate: S2 becomes S0, S0 becomes S1 and S1
     * the next S2.
     */
    private static void pwxform(int[] block, int at, int previous, Sbox sbox) {
        long[] s = sbox.lanes;
        int s0 = sbox.s0;
        int s1 = sbox.s1;
        int s2 = sbox.s2;
        int w = sbox.w;
        long l0 = lane(block, at, previous);
        long l1 = lane(block, at + 2, previous + 2);
        long l2 = lane(block, at + 4, previous + 4);
        long l3 = lane(block, at + 6, previous + 6);
        long l4 = lane(block, at + 8, previous + 8);
        long l5 = lane(block, at + 10, previous + 10);
        long l6 = lane(block, at + 12, previous + 12);
        long l7 = lane(block, at + 14, previous + 14);
        for (int round = 0; round < PWX_ROUNDS; round++) {
            int p0 = s0 + (((int) l0 & SBOX_MASK) >>> 3);
            int p1 = s1 + (((int) (l0 >>> 32) & SBOX_MASK) >>> 3);
            l0 = ((l0 >>> 32) * (l0 & LOW) + s[p0]) ^ s[p1];
            l1 = ((l1 >>> 32) * (l1 & LOW) + s[p0 + 1]) ^ s[p1 + 1];
            p0 = s0 + (((int) l2 & SBOX_MASK) >>> 3);
            p1 = s1 + (((int) (l2 >>> 32) & SBOX_MASK) >>> 3);
            l2 = ((l2 >>> 32) * (l2 & LOW) + s[p0]) ^ s[p1];
            l3 = ((l3 >>> 32) * (l3 & LOW) + s[p0 + 1]) ^ s[p1 + 1];
            p0 = s0 + (((int) l4 & SBOX_MASK) >>> 3);
            p1 = s1 + (((int) (l4 >>> 32) & SBOX_MASK) >>> 3);
            l4 = ((l4 >>> 32) * (l4 & LOW) + s[p0]) ^ s[p1];
            l5 = ((l5 >>> 32) * (l5 & LOW) + s[p0 + 1]) ^ s[p1 + 1];
            p0 = s0 + (((int) l6 & SBOX_MASK) >>> 3);
            p1 = s1 + (((int) (l6 >>> 32) & SBOX_MASK) >>> 3);
            l6 = ((l6 >>> 32) * (l6 & LOW) + s[p0]) ^ s[p1];
            l7 = ((l7 >>> 32) * (l7 & LOW) + s[p0 + 1]) ^ s[p1 + 1];
            if (round != 0 && round != PWX_ROUNDS - 1) {
                int to = s2 + w;
                s[to] = l0;
                s[to + 1] = l1;
                s[to + 2] = l2;
                s[to + 3] = l3;
                s[to + 4] = l4;
                s[to + 5] = l5;
                s[to + 6] = l6;
                s[to + 7] = l7;
                w += 8;
            }
        }
        store(block, at, l0);
        store(block, at + 2, l1);
        store(block, at + 4, l2);
        store(block, at + 6, l3);
        store(block, at + 8, l4);
        store(block, at + 10, l5);
        store(block, at + 12, l6);
        store(block, at + 14, l7);
        sbox.s0 = s2;
        sbox.s1 = s0;
        sbox.s2 = s1;
        sbox.w = w & SBOX_PART_LANES - 1;
    }

    /** A 64-bit lane of {@code block} (low word first) xored with the one at {@code other}. */
    private static long lane(int[] block, int at, int other) {
        return (block[at] ^ block[other]) & LOW | (long) (block[at + 1] ^ block[other + 1]) << 32;
    }

    private static void store(int[] block, int at, long lane) {
        block[at] = (int) lane;
        block[at + 1] = (int) (lane >>> 32);
    }

    /** Salsa20 with {@code rounds} rounds, feed-forward included, on a block in shuffled order. */
    private static void salsa(int[] b, int at, int rounds) {
        int x0 = b[at];
        int x5 = b[at + 1];
        int x10 = b[at + 2];
        int x15 = b[at + 3];
        int x4 = b[at + 4];
        int x9 = b[at + 5];
        int x14 = b[at + 6];
        int x3 = b[at + 7];
        int x8 = b[at + 8];
        int x13 = b[at + 9];
        int x2 = b[at + 10];
        int x7 = b[at + 11];
        int x12 = b[at + 12];
        int x1 = b[at + 13];
        int x6 = b[at + 14];
        int x11 = b[at + 15];
        for (int i = 0; i < rounds; i += 2) {
            x4 ^= Integer.rotateLeft(x0 + x12, 7);
            x8 ^= Integer.rotateLeft(x4 + x0, 9);
            x12 ^= Integer.rotateLeft(x8 + x4, 13);
            x0 ^= Integer.rotateLeft(x12 + x8, 18);
            x9 ^= Integer.rotateLeft(x5 + x1, 7);
            x13 ^= Integer.rotateLeft(x9 + x5, 9);
            x1 ^= Integer.rotateLeft(x13 + x9, 13);
            x5 ^= Integer.rotateLeft(x1 + x13, 18);
            x14 ^= Integer.rotateLeft(x10 + x6, 7);
            x2 ^= Integer.rotateLeft(x14 + x10, 9);
            x6 ^= Integer.rotateLeft(x2 + x14, 13);
            x10 ^= Integer.rotateLeft(x6 + x2, 18);
            x3 ^= Integer.rotateLeft(x15 + x11, 7);
            x7 ^= Integer.rotateLeft(x3 + x15, 9);
            x11 ^= Integer.rotateLeft(x7 + x3, 13);
            x15 ^= Integer.rotateLeft(x11 + x7, 18);

            x1 ^= Integer.rotateLeft(x0 + x3, 7);
            x2 ^= Integer.rotateLeft(x1 + x0, 9);
            x3 ^= Integer.rotateLeft(x2 + x1, 13);
            x0 ^= Integer.rotateLeft(x3 + x2, 18);
            x6 ^= Integer.rotateLeft(x5 + x4, 7);
            x7 ^= Integer.rotateLeft(x6 + x5, 9);
            x4 ^= Integer.rotateLeft(x7 + x6, 13);
            x5 ^= Integer.rotateLeft(x4 + x7, 18);
            x11 ^= Integer.rotateLeft(x10 + x9, 7);
            x8 ^= Integer.rotateLeft(x11 + x10, 9);
            x9 ^= Integer.rotateLeft(x8 + x11, 13);
            x10 ^= Integer.rotateLeft(x9 + x8, 18);
            x12 ^= Integer.rotateLeft(x15 + x14, 7);
            x13 ^= Integer.rotateLeft(x12 + x15, 9);
            x14 ^= Integer.rotateLeft(x13 + x12, 13);
            x15 ^= Integer.rotateLeft(x14 + x13, 18);
        }
        b[at] += x0;
        b[at + 1] += x5;
        b[at + 2] += x10;
        b[at + 3] += x15;
        b[at + 4] += x4;
        b[at + 5] += x9;
        b[at + 6] += x14;
        b[at + 7] += x3;
        b[at + 8] += x8;
        b[at + 9] += x13;
        b[at + 10] += x2;
        b[at + 11] += x7;
        b[at + 12] += x12;
        b[at + 13] += x1;
        b[at + 14] += x6;
        b[at + 15] += x11;
    }

    private static int littleEndian(byte[] b, int at) {
        return b[at] & 0xff | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | b[at + 3] << 24;
    }

    private static HMac mac(byte[] key) {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(key));
        return mac;
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        HMac mac = mac(key);
        mac.update(message, 0, message.length);
        byte[] out = new byte[32];
        mac.doFinal(out, 0);
        return out;
    }

    /** PBKDF2-HMAC-SHA256 with a single iteration, as yescrypt uses it. */
    private static byte[] pbkdf2(byte[] key, byte[] salt, int length) {
        HMac mac = mac(key);
        byte[] out = new byte[length];
        byte[] block = new byte[32];
        for (int index = 1, at = 0; at < length; index++, at += 32) {
            mac.update(salt, 0, salt.length);
            mac.update((byte) (index >>> 24));
            mac.update((byte) (index >>> 16));
            mac.update((byte) (index >>> 8));
            mac.update((byte) index);
            mac.doFinal(block, 0);
            System.arraycopy(block, 0, out, at, Math.min(32, length - at));
        }
        Arrays.fill(block, (byte) 0);
        return out;
    }
}
