package dev.wharf.api.auth;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One login attempt as the client sent it.
 *
 * @param user           the name from USER, at most 127 characters, never {@code null}
 * @param password       the password from PASS, never {@code null}; never log it ({@link #toString()} masks it)
 * @param clientAddress  the client's end of the control connection
 * @param serverAddress  the server's end of the control connection (the local address it arrived on)
 * @param secure         whether the control connection is protected by TLS
 * @param serverName     the TLS SNI host name the client asked for, or {@code null} (no TLS, or no SNI); since 1.1
 */
public record LoginRequest(String user, String password, InetSocketAddress clientAddress,
                           InetSocketAddress serverAddress, boolean secure, String serverName) {

    /** A request without an SNI name, as in API 1.0. */
    public LoginRequest(String user, String password, InetSocketAddress clientAddress,
                        InetSocketAddress serverAddress, boolean secure) {
        this(user, password, clientAddress, serverAddress, secure, null);
    }

    public LoginRequest {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(serverAddress, "serverAddress");
    }

    @Override
    public String toString() {
        return "LoginRequest[user=" + user + ", password=<*>, client=" + clientAddress + ", server="
                + serverAddress + ", secure=" + secure + ", serverName=" + serverName + "]";
    }
}
