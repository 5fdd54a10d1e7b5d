package dev.wharf.api.event;

import org.osgi.annotation.versioning.ProviderType;

/** Topics and property names of the events the core posts through OSGi Event Admin. */
@ProviderType
public interface WharfEvents {

    /** Every topic below starts with this; subscribe to {@code dev/wharf/*} for all of them. */
    String TOPIC_PREFIX = "dev/wharf/";

    /** A user logged in. Properties: {@link #ACCOUNT}, {@link #CLIENT_ADDRESS}, {@link #SESSION_ID}. */
    String LOGIN = "dev/wharf/session/LOGIN";
    /** A logged-in session ended (QUIT, REIN, timeout, kick or lost connection). */
    String LOGOUT = "dev/wharf/session/LOGOUT";
    /** An upload ended; {@link #PATH}, {@link #FILE}, {@link #SIZE}, {@link #COMPLETE}, {@link #DURATION_MILLIS}. */
    String UPLOAD = "dev/wharf/file/UPLOAD";
    /** A download ended; same properties as {@link #UPLOAD}. */
    String DOWNLOAD = "dev/wharf/file/DOWNLOAD";
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
    /** Long: how long a transfer took. */
    String DURATION_MILLIS = "duration.millis";
}
