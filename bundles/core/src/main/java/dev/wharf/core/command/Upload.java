package dev.wharf.core.command;

import dev.wharf.api.hook.UploadEvent;
import dev.wharf.core.data.DataConnection;
import dev.wharf.core.data.Transfers;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.limits.QuotaExceededException;
import dev.wharf.core.limits.QuotaFile;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.session.Transfer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One STOR, STOU or APPE, from the checks of the name to the final reply. A new upload (STOR, STOU) is atomic:
 * data goes to a hidden temporary file in the target directory, which takes the final name only once the transfer
 * completed; a failed upload leaves the old file (or nothing). Appending and resuming (APPE, REST+STOR) write in
 * place, as they must to keep what is already there. Each step answers the client itself when it refuses.
 */
final class Upload {

    /** How STOR, APPE and STOU write. */
    enum Mode { REPLACE, APPEND, UNIQUE }

    private static final Logger LOG = LoggerFactory.getLogger(Upload.class);
    /** Uploads are written under this prefix in the target directory, then renamed into place. */
    private static final String TEMP_PREFIX = QuotaFile.UPLOAD_TEMP_PREFIX;
    private static final String UNIQUE_PREFIX = "wharf.";

    private final FtpSession session;
    private final String argument;
    private final Mode mode;
    private final long offset;
    private String virtualPath;
    private Path target;
    private boolean exists;
    private long lengthBefore;
    /** APPE, or STOR after REST: the file itself is written. */
    private boolean inPlace;
    /** What the upload will replace: the old file (STOR over it), or what REST cuts off. */
    private boolean mayReplace;
    private long keepLength;
    /** The file the data goes to: {@link #target}, or the temporary file of a new upload. */
    private Path written;
    private FileChannel openedFile;
    private Transfer transfer;
    private boolean complete;
    private boolean countedInPlace;

    private Upload(FtpSession session, String argument, Mode mode) {
        this.session = session;
        this.argument = argument;
        this.mode = mode;
        this.offset = session.takeRestartOffset();
    }

    static void run(FtpSession session, String argument, Mode mode) throws IOException {
        Upload upload = new Upload(session, argument, mode);
        if (!upload.checkTarget()) {
            return;
        }
        long allowance = upload.reserveQuota();
        if (allowance >= 0 && upload.openInPlace()) {
            upload.transferAndPlace(allowance);
        }
    }

    /** Resolves the name and applies every check that needs no data connection; false when refused. */
    private boolean checkTarget() throws IOException {
        if (offset > 0 && !session.binary()) {
            session.control().reply(503, "ASCII resume is unsafe, please delete the file first");
            return false;
        }
        ConfinedFileSystem files = session.files();
        try {
            virtualPath = files.virtualPath(mode == Mode.UNIQUE ? uniqueName() : argument);
            ConfinedFileSystem.WriteTarget write = files.resolveForWrite(virtualPath,
                    mode != Mode.APPEND && offset == 0);
            target = write.path();
            BasicFileAttributes existing = write.existing(); // never a symlink: refused, or replaced when dangling
            if (existing != null && existing.isDirectory()) {
                session.control().reply(553, "Can't open " + Replies.printable(argument) + ": Is a directory");
                return false;
            }
            exists = existing != null;
            lengthBefore = exists && existing.isRegularFile() ? existing.size() : 0;
            if (offset > 0 && (!exists || !existing.isRegularFile() || lengthBefore < offset)) {
                session.control().reply(554, "Restart offset " + offset + " is beyond the end of the file");
                return false;
            }
            return !FilePolicy.refuseWrite(session, virtualPath, target, exists && mode != Mode.UNIQUE)
                    && !QuotaRules.refuseName(session, virtualPath);
        } catch (IOException failure) {
            session.control().reply(553, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return false;
        }
    }

    /** Decides how the data is written and asks the quota for room; the bytes allowed, negative when refused. */
    private long reserveQuota() throws IOException {
        inPlace = mode == Mode.APPEND || offset > 0;
        mayReplace = mode == Mode.REPLACE && !inPlace && !session.security().settings().autorename();
        long freed = mayReplace ? lengthBefore : offset > 0 ? lengthBefore - offset : 0;
        boolean addsFile = inPlace ? !exists : !(mayReplace && exists);
        keepLength = mode == Mode.APPEND ? lengthBefore : offset;
        written = inPlace ? target : target.resolveSibling(TEMP_PREFIX
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        return QuotaRules.startUpload(session, virtualPath, addsFile, freed);
    }

    /** APPE and resumed STOR open the file before the data connection; false when that failed (answered). */
    private boolean openInPlace() throws IOException {
        if (!inPlace) {
            return true;
        }
        try {
            openedFile = FileChannel.open(written, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            openedFile.position(mode == Mode.APPEND ? openedFile.size() : offset);
            if (mode != Mode.APPEND) {
                openedFile.truncate(offset);
            }
            return true;
        } catch (IOException failure) {
            FileCommands.closeQuietly(openedFile);
            session.control().reply(553, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return false;
        }
    }

    private void transferAndPlace(long allowance) throws IOException {
        // a plain data connection is closed after the final reply: the client has closed its side and waits for
        // the reply, not for the server's close (TLS connections are closed before it: close_notify ends the file)
        DataConnection plainConnection = null;
        try {
            try {
                DataConnection connection = DataConnections.open(session, mode == Mode.UNIQUE
                        ? "FILE: " + Replies.printable(virtualPath.substring(virtualPath.lastIndexOf('/') + 1))
                        : null);
                if (connection == null) {
                    FileCommands.closeQuietly(openedFile);
                    return;
                }
                plainConnection = connection.encrypted() ? null : connection;
                if (openedFile == null && !createTemporaryFile(connection)) {
                    return;
                }
                if (!receive(connection, allowance)) {
                    return;
                }
                place();
                complete = true;
            } catch (QuotaExceededException overQuota) {
                session.control().reply(552, "Quota exceeded: [" + Replies.printable(virtualPath)
                        + "] won't be saved");
                return;
            } catch (IOException failure) {
                session.control().reply(451, "Can't store " + Replies.printable(argument) + ": "
                        + Replies.reason(failure));
                return;
            } finally {
                if (!complete) {
                    cleanUpAfterFailure();
                }
            }
            session.control().reply(226, mode == Mode.UNIQUE
                    ? "Transfer complete (unique file name: " + Replies.printable(virtualPath) + ")"
                    : "File successfully transferred");
        } finally {
            FileCommands.closeQuietly(plainConnection);
            if (complete) {
                // after the reply: the client goes on with its next command meanwhile
                announce(target, true);
            }
        }
    }

    /** The temporary file is made after the 150 reply: the client's first bytes arrive meanwhile. */
    private boolean createTemporaryFile(DataConnection connection) throws IOException {
        try {
            openedFile = FilePolicy.createFile(session, written);
            return true;
        } catch (IOException failure) {
            if (connection.encrypted()) {
                FileCommands.closeQuietly(connection);
            }
            session.control().reply(553, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return false;
        }
    }

    /** Reads the data connection into the file to its end; false when the upload failed (answered). */
    private boolean receive(DataConnection connection, long allowance) throws IOException {
        try (FileChannel file = openedFile) {
            transfer = session.beginTransfer(Transfer.Kind.UPLOAD, "Receiving " + Replies.printable(virtualPath),
                    virtualPath, connection.channel(), offset, -1, allowance);
            connection.channel().socket().setSoTimeout(0); // a stalled upload is caught by the stall check
            // with TLS, only the client's close_notify ends an upload; a bare TCP close is an error
            try (DataConnection tls = connection.encrypted() ? connection : null;
                 InputStream tlsInput = tls != null ? tls.input() : null) {
                InputStream in = tlsInput != null ? tlsInput : connection.input();
                if (session.binary() && tls == null) {
                    Transfers.receive(connection.channel(), file, session.directTransferBuffer(), transfer);
                } else if (session.binary()) {
                    Transfers.receive(in, file, session.transferBuffer(), transfer);
                } else {
                    OutputStream out = Channels.newOutputStream(file);
                    Transfers.receiveAscii(in, out, session.transferBuffer(), transfer);
                }
                if (transfer.aborted()) {
                    // ABOR or a stall ended the read like an end of data: the file is not complete
                    throw new EOFException("aborted");
                }
                if (session.controlClosed()) {
                    throw new EOFException("the client closed the control connection");
                }
                if (session.security().settings().uploadFsync()) {
                    file.force(false);
                }
                return true;
            } catch (QuotaExceededException overQuota) {
                LOG.info("Upload of {} by '{}' stopped after {} bytes: over quota", virtualPath,
                        session.account().name(), transfer.bytes());
                if (inPlace) {
                    file.truncate(keepLength);
                }
                session.control().reply(552, "Transfer aborted (quota): [" + Replies.printable(virtualPath)
                        + "] won't be saved");
                return false;
            } catch (IOException broken) {
                LOG.info("Upload of {} by '{}' aborted after {} bytes: {}", virtualPath, session.account().name(),
                        transfer.bytes(), broken.toString());
                // over TLS, any end of the data connection before the client's close_notify (a bare TCP close, a
                // reset) leaves the file incomplete
                String reason = broken instanceof Transfers.DataConnectionLostException && connection.encrypted()
                        ? "the data connection ended without TLS close_notify, so the file is incomplete"
                        : Replies.reason(broken);
                // after ABOR: 426 here, then 226 for the ABOR itself, as for downloads
                session.control().reply(transfer.abortedByCommand() ? 426 : 451, transfer.aborted()
                        ? "Transfer aborted" : "Transfer aborted: " + reason);
                return false;
            } finally {
                session.addUploaded(transfer.bytes());
                session.endTransfer(transfer);
            }
        }
    }

    /** Counts an in-place upload, or gives a new one its final name. */
    private void place() throws IOException {
        if (inPlace) {
            countedInPlace = true;
            QuotaRules.countInPlace(session, target, exists, lengthBefore, keepLength);
            return;
        }
        Path requested = target;
        Path[] placed = {requested};
        QuotaRules.placeUpload(session, written, requested, mayReplace, () -> {
            if (mode == Mode.UNIQUE || (session.security().settings().autorename()
                    && Files.exists(requested, LinkOption.NOFOLLOW_LINKS))) {
                placed[0] = placeUnderFreeName(written, requested, mode == Mode.UNIQUE);
            } else {
                moveIntoPlace(written, requested);
            }
        });
        target = placed[0];
        virtualPath = session.files().virtualPathOf(target);
    }

    /**
     * A failed new upload leaves nothing; a failed append or resume keeps what arrived (that is what resuming is
     * for) and the quota counts it. The log, events and hooks hear of it either way.
     */
    private void cleanUpAfterFailure() throws IOException {
        if (!inPlace) {
            Files.deleteIfExists(written);
        }
        if (inPlace && !countedInPlace) {
            try {
                QuotaRules.countInPlace(session, target, exists, lengthBefore, keepLength);
            } catch (IOException failure) {
                LOG.warn("Quota of '{}' not updated after a broken upload: {}", session.account().name(),
                        failure.toString());
            }
        }
        if (transfer != null) {
            announce(inPlace ? target : written, false);
        }
    }

    /**
     * The transfer log line, the transfer event and the upload hooks of a finished (or failed) upload; the hooks
     * see {@code hookFile}: the file, or the temporary file a failed new upload went to (removed by now).
     */
    private void announce(Path hookFile, boolean succeeded) {
        session.recordTransfer(transfer, target, succeeded);
        session.services().hookDispatcher().publish(new UploadEvent(session.account().name(), virtualPath, hookFile,
                transfer.bytes(), session.clientAddress(), succeeded, session.clock().instant()));
    }

    /** A name no file in the current directory has yet; the hard link of the final placing keeps it unique. */
    private String uniqueName() throws IOException {
        ConfinedFileSystem files = session.files();
        for (int attempt = 0; attempt < 100; attempt++) {
            String name = UNIQUE_PREFIX + Long.toHexString(System.currentTimeMillis()) + "."
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            if (!Files.exists(files.toReal(files.virtualPath(name)), LinkOption.NOFOLLOW_LINKS)) {
                return name;
            }
        }
        throw new IOException("no unique name found");
    }

    /**
     * Gives the finished upload a name nobody has: {@code target} itself for STOU, else {@code target.1},
     * {@code target.2} … (autorename). A hard link fails if the name exists, so two uploads never share one.
     */
    private static Path placeUnderFreeName(Path temporary, Path target, boolean tryTargetFirst) throws IOException {
        for (int suffix = tryTargetFirst ? 0 : 1; suffix < 10_000; suffix++) {
            Path candidate = suffix == 0 ? target : target.resolveSibling(target.getFileName() + "." + suffix);
            try {
                Files.createLink(candidate, temporary);
                Files.delete(temporary);
                return candidate;
            } catch (FileAlreadyExistsException taken) {
                // try the next number
            } catch (UnsupportedOperationException noHardLinks) {
                if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(temporary, candidate);
                    return candidate;
                }
            }
        }
        throw new IOException("no free name for " + target.getFileName());
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException notAtomic) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
