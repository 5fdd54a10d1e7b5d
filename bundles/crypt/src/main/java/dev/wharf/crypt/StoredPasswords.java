package dev.wharf.crypt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Checks passwords stored by SQL and LDAP user stores: Pure-FTPd's {@code MYSQLCrypt}/{@code PGSQLCrypt} types and
 * LDAP {@code userPassword} values with a {@code {scheme}} prefix. Every comparison takes the same time whatever
 * bytes differ; an empty stored value or an empty password never matches.
 */
public final class StoredPasswords {

    private StoredPasswords() {
    }

    /** Whether {@code type} is a crypt type {@link PasswordChecker#verifySql} understands (case-insensitive). */
    public static boolean isSqlCryptType(String type) {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "cleartext", "plaintext", "crypt", "argon2", "md5", "sha1", "any" -> true;
            default -> false;
        };
    }

    /**
     * Pure-FTPd's SQL crypt types: {@code cleartext}, {@code crypt} (crypt(3) MD5/SHA-256/SHA-512 and bcrypt),
     * {@code argon2} (argon2i/argon2id PHC strings), {@code md5} and {@code sha1} (hex digests, as in Pure-FTPd
     * before 1.0.50), {@code any} (argon2, then crypt; never cleartext).
     */
    static boolean verifySql(PasswordChecker checker, String type, String stored, String password) {
        if (stored == null || password == null || stored.isEmpty() || password.isEmpty()) {
            return false;
        }
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "cleartext", "plaintext" -> constantTimeEquals(stored, password);
            case "md5" -> hexDigestMatches("MD5", stored, password);
            case "sha1" -> hexDigestMatches("SHA-1", stored, password);
            case "argon2" -> isArgon2(stored) && checker.verify(stored, password);
            case "crypt" -> !isArgon2(stored) && checker.verify(stored, password);
            case "any" -> checker.verify(stored, password);
            default -> false;
        };
    }

    /**
     * An LDAP {@code userPassword}: {@code {crypt}}, {@code {argon2}}, {@code {MD5}}/{@code {SHA}} (base64 digest),
     * {@code {SMD5}}/{@code {SSHA}} (salted), or plain text when there is no scheme prefix (as Pure-FTPd does).
     */
    static boolean verifyLdap(PasswordChecker checker, String userPassword, String password) {
        if (userPassword == null || password == null || userPassword.isEmpty() || password.isEmpty()) {
            return false;
        }
        if (!userPassword.startsWith("{")) {
            return constantTimeEquals(userPassword, password);
        }
        int end = userPassword.indexOf('}');
        if (end < 0) {
            return false;
        }
        String scheme = userPassword.substring(1, end).toUpperCase(Locale.ROOT);
        String value = userPassword.substring(end + 1);
        return switch (scheme) {
            case "CRYPT", "ARGON2" -> checker.verify(value, password);
            case "CLEARTEXT", "PLAIN" -> constantTimeEquals(value, password);
            case "MD5" -> saltedDigestMatches("MD5", value, password, false);
            case "SHA" -> saltedDigestMatches("SHA-1", value, password, false);
            case "SMD5" -> saltedDigestMatches("MD5", value, password, true);
            case "SSHA" -> saltedDigestMatches("SHA-1", value, password, true);
            case "SSHA256" -> saltedDigestMatches("SHA-256", value, password, true);
            case "SSHA512" -> saltedDigestMatches("SHA-512", value, password, true);
            default -> false;
        };
    }

    private static boolean isArgon2(String stored) {
        return stored.startsWith("$argon2");
    }

    private static boolean constantTimeEquals(String stored, String password) {
        return MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean hexDigestMatches(String algorithm, String storedHex, String password) {
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(storedHex.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException notHex) {
            return false;
        }
        return MessageDigest.isEqual(expected, digest(algorithm, password.getBytes(StandardCharsets.UTF_8), new byte[0]));
    }

    /** {@code base64(digest(password + salt) + salt)} for salted schemes, {@code base64(digest(password))} otherwise. */
    private static boolean saltedDigestMatches(String algorithm, String base64, String password, boolean salted) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        int digestLength = digest(algorithm, new byte[0], new byte[0]).length;
        if (decoded.length < digestLength || (!salted && decoded.length != digestLength)) {
            return false;
        }
        byte[] expected = java.util.Arrays.copyOf(decoded, digestLength);
        byte[] salt = java.util.Arrays.copyOfRange(decoded, digestLength, decoded.length);
        return MessageDigest.isEqual(expected, digest(algorithm, password.getBytes(StandardCharsets.UTF_8), salt));
    }

    private static byte[] digest(String algorithm, byte[] password, byte[] salt) {
        try {
            MessageDigest digest = MessageDigest.getInstance(algorithm);
            digest.update(password);
            digest.update(salt);
            return digest.digest();
        } catch (NoSuchAlgorithmException missing) {
            throw new IllegalStateException(algorithm + " is part of every JDK", missing);
        }
    }
}
