package dev.wharf.api.event;

import org.osgi.annotation.versioning.ProviderType;

/** Topics and property names of the events the core posts through OSGi Event Admin. */
@ProviderType
public interface WharfEvents {

    /** Every topic below starts with this; subscribe to {@code dev/wharf/*} for all of them. */
    String TOPIC_PREFIX = "dev/wharf/";

    /**
     * A user logged in. Properties: {@link #ACCOUNT}, {@link #CLIENT_ADDRESS}, {@link #SESSION_ID}, and (since 1.1)
     * {@link #LOCAL_PORT}, {@link #AUTH_BACKEND} and {@link #AUTH_NANOS} (absent for anonymous logins).
     */
    String LOGIN = "dev/wharf/session/LOGIN";
    /** A logged-in session ended (QUIT, REIN, timeout, kick or lost connection). */
    String LOGOUT = "dev/wharf/session/LOGOUT";
    /** An upload ended; {@link #PATH}, {@link #FILE}, {@link #SIZE}, {@link #COMPLETE}, {@link #DURATION_MILLIS}. */
    String UPLOAD = "dev/wharf/file/UPLOAD";
    /** A download ended; same properties as {@link #UPLOAD}. */
    String DOWNLOAD = "dev/wharf/file/DOWNLOAD";
    /**
     * (1.1) A login was refused: a wrong password, an unknown user, or an address that is banned.
     * {@link #ACCOUNT} is the name the client gave; {@link #BANNED} tells a refusal because of a ban;
     * {@link #AUTH_BACKEND} (the backend that refused, absent when none knew the user) and {@link #AUTH_NANOS}
     * (absent when no backend was asked).
     */
    String LOGIN_FAILED = "dev/wharf/session/LOGIN_FAILED";
    /**
     * (1.1) An address was banned after too many failed logins; {@link #CLIENT_ADDRESS},
     * {@link #DURATION_MILLIS} (how long the ban lasts).
     */
    String BAN = "dev/wharf/security/BAN";
    /**
     * (1.1) A TLS handshake ended, on a control or a data connection; {@link #CLIENT_ADDRESS},
     * {@link #COMPLETE} (false: it failed), {@link #TLS_CHANNEL}, {@link #TLS_PROTOCOL} (when it succeeded).
     */
    String TLS_HANDSHAKE = "dev/wharf/tls/HANDSHAKE";
    /** A file was deleted (DELE); {@link #PATH}, {@link #FILE}. */
    String DELETE = "dev/wharf/file/DELETE";
    /** A file or directory was renamed; {@link #FROM_PATH} is the old name, {@link #PATH} the new one. */
    String RENAME = "dev/wharf/file/RENAME";
    /** A directory was created (MKD); {@link #PATH}, {@link #FILE}. */
    String MKDIR = "dev/wharf/file/MKDIR";
    /** A directory was removed (RMD); {@link #PATH}, {@link #FILE}. */
    String RMDIR = "dev/wharf/file/RMDIR";

    /** String: the account name. */
    String ACCOUNT = "account";
    /** String: the client's IP address. */
    String CLIENT_ADDRESS = "client.address";
    /** Long: the server's number for the session, as {@code wharf:who} shows it. */
    String SESSION_ID = "session.id";
    /** String: the path as the client sees it, e.g. {@code /incoming/a.zip}. */
    String PATH = "path";
    /** String: the previous client-side path of a renamed file. */
    String FROM_PATH = "from.path";
    /** String: the absolute path on the storage provider's file system. */
    String FILE = "file";
    /** Long: bytes moved over the data connection. */
    String SIZE = "size";
    /** Boolean: whether a transfer completed (false: aborted, broken or refused part-way). */
    String COMPLETE = "complete";
    /** Long: how long a transfer took (for {@link #BAN}: how long the ban lasts). */
    String DURATION_MILLIS = "duration.millis";
    /** (1.1) Integer: the local port the client connected to, which tells listeners apart. */
    String LOCAL_PORT = "local.port";
    /** (1.1) String: the name of the auth backend that answered. */
    String AUTH_BACKEND = "auth.backend";
    /** (1.1) Long: nanoseconds the auth backend chain took to answer a login. */
    String AUTH_NANOS = "auth.nanos";
    /** (1.1) Boolean: a {@link #LOGIN_FAILED} because the client's address is banned. */
    String BANNED = "banned";
    /** (1.1) String: {@code control} or {@code data}. */
    String TLS_CHANNEL = "tls.channel";
    /** (1.1) String: the negotiated protocol, e.g. {@code TLSv1.3}. */
    String TLS_PROTOCOL = "tls.protocol";
}
