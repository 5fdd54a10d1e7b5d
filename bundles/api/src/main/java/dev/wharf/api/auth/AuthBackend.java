package dev.wharf.api.auth;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One link of the login chain, registered as an OSGi service.
 *
 * <p>For each login the core asks the backends in chain order until one answers other than
 * {@link AuthResult.Unknown}:
 * <ul>
 *   <li>{@link AuthResult.Accepted}: the user is logged in with the returned account;</li>
 *   <li>{@link AuthResult.Unknown}: this backend does not know the user, the next backend is asked;</li>
 *   <li>{@link AuthResult.Rejected}: the backend knows the user and refuses (bad password, address or time
 *       rule); the chain stops and the client gets 530;</li>
 *   <li>{@link AuthResult.Unavailable}: the backend could not decide (database or directory down); the chain
 *       stops and the client gets 421, so that an outage never lets a lower backend answer for the user.</li>
 * </ul>
 *
 * <p>Implementations are called concurrently from many sessions and must be thread safe. They should answer
 * within a few seconds; the core does not interrupt them. A backend must never accept uid or gid 0; the core
 * refuses such accounts anyway.
 *
 * <p>Optional service properties: {@link #NAME_PROPERTY} (the name used in {@code auth.order}) and
 * {@code service.ranking}.
 */
@ConsumerType
public interface AuthBackend {

    /** Service property: the backend's name in the chain order configuration, e.g. {@code passwd}. */
    String NAME_PROPERTY = "wharf.auth.name";

    /**
     * Decides one login attempt.
     *
     * @param request the user name, password and connection details; never {@code null}
     * @return the decision; never {@code null}. A backend that throws is treated as {@link AuthResult.Unavailable}.
     */
    AuthResult authenticate(LoginRequest request);
}
