package dev.wharf.api.auth;

/**
 * Thrown from {@link AuthBackend#authenticate} (or a library it calls, such as a password-hash checker) when the
 * login cannot be checked right now because too many are being checked at once. The client gets {@code 421} and
 * may try again; the attempt does not count as a failed login.
 */
public class AuthBusyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AuthBusyException(String message) {
        super(message, null, false, false);
    }
}
