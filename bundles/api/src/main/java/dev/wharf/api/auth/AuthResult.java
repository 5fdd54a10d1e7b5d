package dev.wharf.api.auth;

import java.util.Objects;

/** The answer of an {@link AuthBackend}; see there for what each case does to the chain. */
public sealed interface AuthResult {

    /** The credentials are good: log the user in with {@code account}. */
    record Accepted(Account account) implements AuthResult {
        public Accepted {
            Objects.requireNonNull(account, "account");
        }
    }

    /** The backend does not know this user; the next backend is asked. */
    record Unknown() implements AuthResult {
    }

    /** The backend knows the user and refuses; {@code reason} goes to the server log, never to the client. */
    record Rejected(String reason) implements AuthResult {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The backend could not decide (its database or directory is unreachable); logged, client gets 421. */
    record Unavailable(String reason) implements AuthResult {
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static AuthResult accepted(Account account) {
        return new Accepted(account);
    }

    static AuthResult unknown() {
        return new Unknown();
    }

    static AuthResult rejected(String reason) {
        return new Rejected(reason);
    }

    static AuthResult unavailable(String reason) {
        return new Unavailable(reason);
    }
}
