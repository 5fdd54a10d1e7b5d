package dev.wharf.crypt;

import java.util.Arrays;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks passwords for the auth backends, which take it as a service: one instance per start of the crypt bundle,
 * so the bound on concurrent hashing ({@link HashingGate}) covers every backend of the server, and the memory of
 * recent successes ({@link VerifiedPasswords}) goes away with the bundle instead of living in a static field.
 *
 * <p>{@code etc/dev.wharf.crypt.cfg}, declared in {@link Config}; applied live.
 */
@Designate(ocd = PasswordChecker.Config.class)
@Component(service = PasswordChecker.class, configurationPid = PasswordChecker.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class PasswordChecker {

    static final String PID = "dev.wharf.crypt";
    /** The default of {@code verified.cache.seconds}. */
    public static final long DEFAULT_VERIFIED_CACHE_SECONDS = 600;
    private static final String MAX_VERIFIED_CACHE_SECONDS = "86400";

    /** The keys of {@code dev.wharf.crypt}. */
    @ObjectClassDefinition(id = PID, name = "Wharf password checks",
            description = "Password hash checking shared by every auth backend")
    public @interface Config {
        @AttributeDefinition(name = "Remember verified logins (s)", min = "0", max = MAX_VERIFIED_CACHE_SECONDS,
                description = "How long a successful check of an iterated hash (argon2, scrypt, yescrypt, bcrypt, "
                        + "SHA-crypt, MD5-crypt) is remembered, as an HMAC under a key made at start, never the "
                        + "password; 0 = off")
        long verified_cache_seconds() default DEFAULT_VERIFIED_CACHE_SECONDS;
    }
    private static final Logger LOG = LoggerFactory.getLogger(PasswordChecker.class);

    private final HashingGate gate = new HashingGate();
    private final VerifiedPasswords verified = new VerifiedPasswords(DEFAULT_VERIFIED_CACHE_SECONDS);

    /** A checker with the default settings (tests, and tools that run outside the framework). */
    public PasswordChecker() {
    }

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        Object value = properties.get("verified.cache.seconds");
        long seconds = DEFAULT_VERIFIED_CACHE_SECONDS;
        if (value != null && !value.toString().isBlank()) {
            try {
                seconds = Long.parseLong(value.toString().trim());
                if (seconds < 0 || seconds > Long.parseLong(MAX_VERIFIED_CACHE_SECONDS)) {
                    throw new NumberFormatException(value.toString());
                }
            } catch (NumberFormatException invalid) {
                LOG.error("dev.wharf.crypt: invalid value for 'verified.cache.seconds': '{}' (expected an integer "
                        + "0-{}) - keeping {} s", value, MAX_VERIFIED_CACHE_SECONDS, verified.lifetimeSeconds());
                return;
            }
        }
        rememberVerifiedSeconds(seconds);
    }

    /**
     * How long a successful check of an iterated hash (see {@link VerifiedPasswords}) is remembered (0 = never): the same
     * password against the same stored hash is then accepted without hashing again. Failures are never remembered,
     * and a changed password is a new stored hash, which no old entry matches.
     */
    public void rememberVerifiedSeconds(long seconds) {
        verified.lifetimeSeconds(seconds);
    }

    public boolean verify(String stored, String password) {
        if (password == null) {
            return false;
        }
        char[] characters = password.toCharArray();
        try {
            return verify(stored, characters);
        } finally {
            Arrays.fill(characters, '\0');
        }
    }

    /**
     * Whether {@code password} matches {@code stored} (see {@link PasswordHashes} for the schemes); false for
     * unsupported or malformed hashes. Checks wait their turn for at most a few seconds, then throw
     * {@link dev.wharf.api.auth.AuthBusyException}.
     */
    public boolean verify(String stored, char[] password) {
        if (stored == null || password == null) {
            return false;
        }
        if (!verified.worthRemembering(stored)) {
            return PasswordHashes.check(gate, stored, password);
        }
        String entry = verified.entry(stored, password);
        if (verified.recentlyVerified(entry)) {
            return true;
        }
        boolean matches = PasswordHashes.check(gate, stored, password);
        if (matches) {
            verified.remember(entry);
        }
        return matches;
    }

    /**
     * Pure-FTPd's SQL crypt types: {@code cleartext}, {@code crypt} (crypt(3) MD5/SHA-256/SHA-512 and bcrypt),
     * {@code argon2} (argon2i/argon2id PHC strings), {@code md5} and {@code sha1} (hex digests, as in Pure-FTPd
     * before 1.0.50), {@code any} (argon2, then crypt; never cleartext).
     */
    public boolean verifySql(String type, String stored, String password) {
        return StoredPasswords.verifySql(this, type, stored, password);
    }

    /**
     * An LDAP {@code userPassword}: {@code {crypt}}, {@code {argon2}}, {@code {MD5}}/{@code {SHA}} (base64 digest),
     * {@code {SMD5}}/{@code {SSHA}} (salted), or plain text when there is no scheme prefix (as Pure-FTPd does).
     */
    public boolean verifyLdap(String userPassword, String password) {
        return StoredPasswords.verifyLdap(this, userPassword, password);
    }

    /** This checker's gate (tests). */
    HashingGate gate() {
        return gate;
    }

    /** This checker's memory of successes (tests). */
    VerifiedPasswords verified() {
        return verified;
    }
}
