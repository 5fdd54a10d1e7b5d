package dev.wharf.crypt;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Logins that already passed an iterated hash (argon2, scrypt, yescrypt, bcrypt, SHA-crypt, MD5-crypt) recently, so
 * that a client that logs in again and again (sync tools, cameras, scripts) does not pay the hash each time: seconds
 * of CPU for the memory-hard ones, and still far more than the few microseconds of an entry for the crypt(3) ones. An entry is an
 * HMAC, under a key made at random when the checker is made (at each start of the crypt bundle), of the stored hash and the password: a changed password
 * (a new stored hash) never matches an old entry, no password is kept, and only successes are remembered, so
 * guessing still pays the full hash for every try. Entries expire after the configured time; 0 turns this off.
 */
final class VerifiedPasswords {

    private static final int MAX_ENTRIES = 10_000;
    private final byte[] key = new byte[32];

    private final Map<String, Long> expiries = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private volatile long lifetimeNanos;

    /** Empty, under a new random key; successes are remembered for {@code seconds} (0 = never). */
    VerifiedPasswords(long seconds) {
        new SecureRandom().nextBytes(key);
        lifetimeSeconds(seconds);
    }

    void lifetimeSeconds(long seconds) {
        lifetimeNanos = Math.max(0, seconds) * 1_000_000_000L;
        if (seconds <= 0) {
            synchronized (expiries) {
                expiries.clear();
            }
        }
    }

    long lifetimeSeconds() {
        return lifetimeNanos / 1_000_000_000L;
    }

    /**
     * Whether checking {@code stored} costs more than an entry (an HMAC-SHA256, a few microseconds): the iterated
     * schemes. MD5-crypt's 1,000 rounds take about 0.1 ms, SHA-crypt's default 5,000 about 1 ms; DES crypt and plain
     * digests are left out, as cheap as the entry itself.
     */
    boolean worthRemembering(String stored) {
        return lifetimeNanos > 0 && (stored.startsWith("$argon2") || stored.startsWith("$7$")
                || stored.startsWith("$y$") || stored.startsWith("$2") || stored.startsWith("$6$")
                || stored.startsWith("$5$") || stored.startsWith("$1$"));
    }

    /** The entry for {@code stored} and {@code password}. */
    String entry(String stored, char[] password) {
        ByteBuffer secret = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(stored.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(secret.duplicate());
            return Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException missing) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", missing);
        } finally {
            if (secret.hasArray()) {
                Arrays.fill(secret.array(), (byte) 0);
            }
        }
    }

    boolean recentlyVerified(String entry) {
        long now = System.nanoTime();
        synchronized (expiries) {
            Long expiry = expiries.get(entry);
            if (expiry == null) {
                return false;
            }
            if (now - expiry >= 0) {
                expiries.remove(entry);
                return false;
            }
            return true;
        }
    }

    void remember(String entry) {
        long lifetime = lifetimeNanos;
        if (lifetime <= 0) {
            return;
        }
        synchronized (expiries) {
            expiries.remove(entry); // re-inserted at the end: the eldest entries are the first to go
            expiries.put(entry, System.nanoTime() + lifetime);
        }
    }
}
