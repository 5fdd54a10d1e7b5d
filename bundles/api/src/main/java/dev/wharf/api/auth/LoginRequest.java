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
 */
public record LoginRequest(String user, String password, InetSocketAddress clientAddress,
                           InetSocketAddress serverAddress, boolean secure) {

    public LoginRequest {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(serverAddress, "serverAddress");
    }

    @Override
    public String toString() {
        return "LoginRequest[user=" + user + ", password=<*>, client=" + clientAddress + ", server="
                + serverAddress + ", secure=" + secure + "]";
    }
}
