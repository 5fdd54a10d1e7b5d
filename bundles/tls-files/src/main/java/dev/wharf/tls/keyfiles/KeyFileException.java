package dev.wharf.tls.keyfiles;

/** A key or certificate file that cannot be used; the message names the file and says why. */
public class KeyFileException extends Exception {

    private static final long serialVersionUID = 1L;

    public KeyFileException(String message) {
        super(message);
    }

    public KeyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
