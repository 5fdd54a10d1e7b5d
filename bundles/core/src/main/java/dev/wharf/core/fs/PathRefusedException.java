package dev.wharf.core.fs;

import java.io.IOException;

/** A client path that is not allowed: a forbidden character, or a symlink leading out of the account's root. */
public final class PathRefusedException extends IOException {

    private static final long serialVersionUID = 1L;

    public PathRefusedException(String message) {
        super(message);
    }
}
