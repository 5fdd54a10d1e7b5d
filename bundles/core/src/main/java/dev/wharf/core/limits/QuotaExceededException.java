package dev.wharf.core.limits;

import java.io.IOException;

/** Ends an upload that has gone past what the account's quota still allows. */
public final class QuotaExceededException extends IOException {

    private static final long serialVersionUID = 1L;

    public QuotaExceededException(String message) {
        super(message);
    }
}
