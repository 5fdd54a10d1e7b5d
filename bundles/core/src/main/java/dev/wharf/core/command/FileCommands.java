package dev.wharf.core.command;

import dev.wharf.api.event.WharfEvents;
import dev.wharf.api.hook.UploadEvent;
import dev.wharf.core.data.DataConnection;
import dev.wharf.core.data.Transfers;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.limits.QuotaExceededException;
import dev.wharf.core.limits.QuotaFile;
import dev.wharf.core.limits.SessionLimits;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.session.Transfer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RETR, STOR, APPE, STOU, REST, ABOR, DELE, RNFR, RNTO, SIZE, MDTM, MFMT, ALLO, PRET. */
final class FileCommands {

    private static final Logger LOG = LoggerFactory.getLogger(FileCommands.class);
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);
    /** Uploads are written under this prefix in the target directory, then renamed into place. */
    static final String UPLOAD_TEMP_PREFIX = QuotaFile.UPLOAD_TEMP_PREFIX;
    private static final String UNIQUE_PREFIX = "wharf.";
    private static final int OUTPUT_BUFFER = 64 * 1024;

    /** How STOR, APPE and STOU write. */
    private enum UploadMode { REPLACE, APPEND, UNIQUE }

    private FileCommands() {
    }

    static void retr(FtpSession session, String argument) throws IOException {
        long offset = session.takeRestartOffset();
        if (offset > 0 && !session.binary()) {
            session.control().reply(503, "ASCII resume is unsafe, please delete the file first");
            return;
        }
        ConfinedFileSystem files = session.files();
        FileChannel file;
        String virtualPath;
        Path path;
        try {
            virtualPath = files.virtualPath(argument);
            ConfinedFileSystem.Existing existing = files.resolveExistingFollowed(virtualPath);
            path = existing.path();
            if (!existing.attributes().isRegularFile()) {
                session.control().reply(550, "I can only retrieve regular files");
                return;
            }
            if (FilePolicy.refuseRead(session, virtualPath, path) || QuotaRules.refuseName(session, virtualPath)) {
                return;
            }
            file = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException failure) {
            session.control().reply(550, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        try (file) {
            long size = file.size();
            if (offset > size) {
                session.control().reply(554, "Restart offset " + offset + " is too large for file size " + size + ".");
                return;
            }
            SessionLimits limits = session.limits();
            if (limits.ratioRefuses(session.bytesUploaded(), session.bytesDownloaded(), size - offset)) {
                session.control().reply(550, List.of("Sorry, but the upload/download ratio is "
                        + limits.ratioUpload() + ":" + limits.ratioDownload() + ".",
                        "This session has uploaded " + session.bytesUploaded() + " and downloaded "
                                + session.bytesDownloaded() + " bytes: upload more before downloading this file."));
                return;
            }
            DataConnection connection = DataConnections.open(session);
            if (connection == null) {
                return;
            }
            Transfer transfer = session.beginTransfer(Transfer.Kind.DOWNLOAD, "Sending " + Replies.printable(argument),
                    virtualPath, connection.channel(), offset, size - offset, Long.MAX_VALUE);
            boolean complete = false;
            // a plain download's connection ends with its FIN before the reply, and is closed after it: the
            // client, which reads to the end of the data and then waits for the reply, need not wait for the close
            boolean endsBeforeClose = session.binary() && !connection.encrypted();
            try {
                try (DataConnection closedHere = endsBeforeClose ? null : connection) {
                    if (closedHere == null) {
                        Transfers.sendFile(file, offset, size, connection.channel(), transfer);
                        endOfData(connection);
                    } else {
                        OutputStream out = new BufferedOutputStream(connection.output(), OUTPUT_BUFFER);
                        file.position(offset);
                        if (session.binary()) {
                            Transfers.copy(Channels.newInputStream(file), out, session.transferBuffer(), transfer);
                        } else {
                            Transfers.sendAscii(Channels.newInputStream(file), out, session.transferBuffer(),
                                    transfer);
                        }
                        out.flush();
                    }
                    complete = true;
                } catch (IOException broken) {
                    session.control().reply(426, transfer.aborted() ? "Transfer aborted"
                            : "Transfer aborted: " + Replies.reason(broken));
                    return;
                } finally {
                    session.addDownloaded(transfer.bytes());
                    session.endTransfer(transfer);
                    if (!complete) {
                        session.recordTransfer(transfer, path, false);
                    }
                }
                try {
                    session.control().reply(226, "File successfully transferred");
                } finally {
                    // after the reply: the client goes on with its next command meanwhile
                    session.recordTransfer(transfer, path, true);
                }
            } finally {
                if (endsBeforeClose) {
                    closeQuietly(connection);
                }
            }
        }
    }

    static void stor(FtpSession session, String argument) throws IOException {
        upload(session, argument, UploadMode.REPLACE);
    }

    static void appe(FtpSession session, String argument) throws IOException {
        upload(session, argument, UploadMode.APPEND);
    }

    /** STOU: the client's argument is only a hint; the name is made unique here, atomically. */
    static void stou(FtpSession session, String argument) throws IOException {
        upload(session, argument, UploadMode.UNIQUE);
    }

    /**
     * A new upload (STOR, STOU) is atomic: data goes to a hidden temporary file in the target directory, which
     * takes the final name only once the transfer completed; a failed upload leaves the old file (or nothing).
     * Appending and resuming (APPE, REST+STOR) write in place, as they must to keep what is already there.
     */
    private static void upload(FtpSession session, String argument, UploadMode mode) throws IOException {
        long offset = session.takeRestartOffset();
        if (offset > 0 && !session.binary()) {
            session.control().reply(503, "ASCII resume is unsafe, please delete the file first");
            return;
        }
        ConfinedFileSystem files = session.files();
        String virtualPath;
        Path target;
        boolean exists;
        long lengthBefore;
        try {
            virtualPath = files.virtualPath(mode == UploadMode.UNIQUE ? uniqueName(session) : argument);
            ConfinedFileSystem.WriteTarget write = files.resolveForWrite(virtualPath,
                    mode != UploadMode.APPEND && offset == 0);
            target = write.path();
            BasicFileAttributes existing = write.existing(); // never a symlink: refused, or replaced when dangling
            if (existing != null && existing.isDirectory()) {
                session.control().reply(553, "Can't open " + Replies.printable(argument) + ": Is a directory");
                return;
            }
            exists = existing != null;
            lengthBefore = exists && existing.isRegularFile() ? existing.size() : 0;
            if (offset > 0 && (!exists || !existing.isRegularFile() || lengthBefore < offset)) {
                session.control().reply(554, "Restart offset " + offset + " is beyond the end of the file");
                return;
            }
            if (FilePolicy.refuseWrite(session, virtualPath, target, exists && mode != UploadMode.UNIQUE)
                    || QuotaRules.refuseName(session, virtualPath)) {
                return;
            }
        } catch (IOException failure) {
            session.control().reply(553, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        boolean inPlace = mode == UploadMode.APPEND || offset > 0;
        // what the upload will replace: the old file (STOR over it), or what REST cuts off
        boolean mayReplace = mode == UploadMode.REPLACE && !inPlace && !session.security().settings().autorename();
        long freed = mayReplace ? lengthBefore : offset > 0 ? lengthBefore - offset : 0;
        boolean addsFile = inPlace ? !exists : !(mayReplace && exists);
        long allowance = QuotaRules.startUpload(session, virtualPath, addsFile, freed);
        if (allowance < 0) {
            return;
        }
        long keepLength = mode == UploadMode.APPEND ? lengthBefore : offset;
        Path written = inPlace ? target : target.resolveSibling(UPLOAD_TEMP_PREFIX
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        FileChannel openedFile = null;
        if (inPlace) {
            try {
                openedFile = FileChannel.open(written, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                openedFile.position(mode == UploadMode.APPEND ? openedFile.size() : offset);
                if (mode != UploadMode.APPEND) {
                    openedFile.truncate(offset);
                }
            } catch (IOException failure) {
                closeQuietly(openedFile);
                session.control().reply(553, "Can't open " + Replies.printable(argument) + ": "
                        + Replies.reason(failure));
                return;
            }
        }
        boolean complete = false;
        boolean countedInPlace = false;
        Transfer transfer = null;
        // a plain data connection is closed after the final reply: the client has closed its side and waits for
        // the reply, not for the server's close (TLS connections are closed before it: close_notify ends the file)
        DataConnection plainConnection = null;
        try {
            try {
                DataConnection connection = DataConnections.open(session, mode == UploadMode.UNIQUE
                        ? "FILE: " + Replies.printable(virtualPath.substring(virtualPath.lastIndexOf('/') + 1))
                        : null);
                if (connection == null) {
                    closeQuietly(openedFile);
                    return;
                }
                plainConnection = connection.encrypted() ? null : connection;
                if (openedFile == null) {
                    // the temporary file is made after the 150 reply: the client's first bytes arrive meanwhile
                    try {
                        openedFile = FilePolicy.createFile(session, written);
                    } catch (IOException failure) {
                        if (connection.encrypted()) {
                            closeQuietly(connection);
                        }
                        session.control().reply(553, "Can't open " + Replies.printable(argument) + ": "
                                + Replies.reason(failure));
                        return;
                    }
                }
                try (FileChannel file = openedFile) {
                    transfer = session.beginTransfer(Transfer.Kind.UPLOAD, "Receiving "
                            + Replies.printable(virtualPath), virtualPath, connection.channel(), offset, -1, allowance);
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
                            throw new java.io.EOFException("aborted");
                        }
                        if (session.controlClosed()) {
                            throw new java.io.EOFException("the client closed the control connection");
                        }
                        if (session.security().settings().uploadFsync()) {
                            file.force(false);
                        }
                    } catch (QuotaExceededException overQuota) {
                        LOG.info("Upload of {} by '{}' stopped after {} bytes: over quota", virtualPath,
                                session.account().name(), transfer.bytes());
                        if (inPlace) {
                            file.truncate(keepLength);
                        }
                        session.control().reply(552, "Transfer aborted (quota): [" + Replies.printable(virtualPath)
                                + "] won't be saved");
                        return;
                    } catch (IOException broken) {
                        LOG.info("Upload of {} by '{}' aborted after {} bytes: {}", virtualPath,
                                session.account().name(), transfer.bytes(), broken.toString());
                        // over TLS, any end of the data connection before the client's close_notify (a bare TCP
                        // close, a reset) leaves the file incomplete
                        String reason = broken instanceof Transfers.DataConnectionLostException
                                && connection.encrypted()
                                ? "the data connection ended without TLS close_notify, so the file is incomplete"
                                : Replies.reason(broken);
                        session.control().reply(451, transfer.aborted() ? "Transfer aborted"
                                : "Transfer aborted: " + reason);
                        return;
                    } finally {
                        session.addUploaded(transfer.bytes());
                        session.endTransfer(transfer);
                    }
                }
                if (inPlace) {
                    countedInPlace = true;
                    QuotaRules.countInPlace(session, target, exists, lengthBefore, keepLength);
                } else {
                    Path requested = target;
                    Path[] placed = {requested};
                    QuotaRules.placeUpload(session, written, requested, mayReplace, () -> {
                        if (mode == UploadMode.UNIQUE || (session.security().settings().autorename()
                                && Files.exists(requested, LinkOption.NOFOLLOW_LINKS))) {
                            placed[0] = placeUnderFreeName(written, requested, mode == UploadMode.UNIQUE);
                        } else {
                            moveIntoPlace(written, requested);
                        }
                    });
                    target = placed[0];
                    virtualPath = files.virtualPathOf(target);
                }
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
                if (!complete && !inPlace) {
                    Files.deleteIfExists(written);
                }
                if (inPlace && !countedInPlace) {
                    countBrokenInPlace(session, target, exists, lengthBefore, keepLength);
                }
                if (transfer != null && !complete) {
                    announceUpload(session, transfer, virtualPath, target, inPlace ? target : written, false);
                }
            }
            session.control().reply(226, mode == UploadMode.UNIQUE
                    ? "Transfer complete (unique file name: " + Replies.printable(virtualPath) + ")"
                    : "File successfully transferred");
        } finally {
            closeQuietly(plainConnection);
            if (complete) {
                // after the reply: the client goes on with its next command meanwhile
                announceUpload(session, transfer, virtualPath, target, target, true);
            }
        }
    }

    /**
     * The transfer log line, the transfer event and the upload hooks of a finished (or failed) upload; the hooks
     * see {@code hookFile}: the file, or the temporary file a failed new upload went to (removed by now).
     */
    private static void announceUpload(FtpSession session, Transfer transfer, String virtualPath, Path target,
                                       Path hookFile, boolean complete) {
        session.recordTransfer(transfer, target, complete);
        session.services().hookDispatcher().publish(new UploadEvent(session.account().name(), virtualPath, hookFile,
                transfer.bytes(), session.clientAddress(), complete, session.clock().instant()));
    }

    /**
     * Sends the FIN of a download whose data has all been handed to the kernel. A client that has already closed
     * its end (a reset) changes nothing: the old way, closing, did not report that either.
     */
    private static void endOfData(DataConnection connection) {
        try {
            connection.channel().shutdownOutput();
        } catch (IOException alreadyClosedByTheClient) {
            // nothing left to tell it
        }
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException ignored) {
            // the transfer is over or refused and answered: nothing depends on this close
        }
    }

    /** A broken append or resume keeps what arrived (that is what resuming is for); the quota counts it. */
    private static void countBrokenInPlace(FtpSession session, Path target, boolean existedBefore, long lengthBefore,
                                           long keepLength) {
        try {
            QuotaRules.countInPlace(session, target, existedBefore, lengthBefore, keepLength);
        } catch (IOException failure) {
            LOG.warn("Quota of '{}' not updated after a broken upload: {}", session.account().name(),
                    failure.toString());
        }
    }

    /** A name no file in the current directory has yet; the CREATE_NEW of the final move keeps it unique. */
    private static String uniqueName(FtpSession session) throws IOException {
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
            } catch (java.nio.file.FileAlreadyExistsException taken) {
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

    static void rest(FtpSession session, String argument) throws IOException {
        long offset;
        try {
            offset = Long.parseLong(argument.trim());
            if (offset < 0) {
                throw new NumberFormatException(argument);
            }
        } catch (NumberFormatException notANumber) {
            session.restartOffset(0);
            session.control().reply(554, List.of("REST needs a numeric parameter", "Restart offset reset to 0"));
            return;
        }
        session.restartOffset(offset);
        session.control().reply(350, "Restarting at " + offset + (offset > 0 && !session.binary()
                ? ". But we're in ASCII mode" : ". Send STORE or RETRIEVE to initiate transfer"));
    }

    /** During a transfer the control reader has already closed the data connection; this answers in order. */
    static void abor(FtpSession session, String argument) throws IOException {
        session.restartOffset(0);
        if (session.takeLastTransferAborted()) {
            session.control().reply(226, "ABOR successful: transfer aborted");
        } else {
            session.control().reply(226, "Since you see this ABOR must've succeeded");
        }
    }

    static void dele(FtpSession session, String argument) throws IOException {
        if (FilePolicy.refuseDelete(session)) {
            return;
        }
        ConfinedFileSystem files = session.files();
        try {
            String virtualPath = files.virtualPath(argument);
            Path path = files.resolveExisting(virtualPath, false);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                session.control().reply(550, "Could not delete " + Replies.printable(argument) + ": Is a directory");
                return;
            }
            if (QuotaRules.refuseName(session, virtualPath)) {
                return;
            }
            QuotaRules.removing(session, path, () -> Files.delete(path));
            session.activity().fileChanged(session, WharfEvents.DELETE, virtualPath, path);
            session.control().reply(250, "Deleted " + Replies.printable(argument));
        } catch (IOException failure) {
            session.control().reply(550, "Could not delete " + Replies.printable(argument) + ": "
                    + Replies.reason(failure));
        }
    }

    static void rnfr(FtpSession session, String argument) throws IOException {
        if (FilePolicy.refuseRename(session, null)) {
            return;
        }
        ConfinedFileSystem files = session.files();
        try {
            String path = files.virtualPath(argument);
            if (path.equals("/")) {
                throw new NoSuchFileException(path);
            }
            files.resolveExisting(path, false);
            session.renameFrom(path);
            session.control().reply(350, "RNFR accepted - file exists, ready for destination");
        } catch (IOException failure) {
            session.renameFrom(null);
            session.control().reply(550, "Sorry, but that file doesn't exist");
        }
    }

    static void rnto(FtpSession session, String argument) throws IOException {
        String from = session.renameFrom();
        session.renameFrom(null);
        if (from == null) {
            session.control().reply(503, "Need RNFR before RNTO");
            return;
        }
        ConfinedFileSystem files = session.files();
        try {
            Path source = files.resolveExisting(from, false);
            String toPath = files.virtualPath(argument);
            if (FilePolicy.refuseRename(session, toPath)) {
                return;
            }
            if (session.security().settings().keepAllFiles() && Files.exists(files.toReal(toPath),
                    LinkOption.NOFOLLOW_LINKS)) {
                session.control().reply(550, "Overwriting existing files is not allowed here");
                return;
            }
            if ((toPath + "/").startsWith(from + "/")) {
                session.control().reply(553, "Can't move a directory into itself");
                return;
            }
            if (QuotaRules.refuseName(session, from) || QuotaRules.refuseName(session, toPath)) {
                return;
            }
            Path target = files.resolveNew(toPath);
            // a name that is replaced gives its room back to the quota
            QuotaRules.removing(session, target, () -> {
                try {
                    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException otherFileSystem) {
                    Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            });
            session.activity().renamed(session, from, toPath, target);
            session.control().reply(250, "File successfully renamed or moved");
        } catch (IOException failure) {
            session.control().reply(553, "Rename/move failure: " + Replies.reason(failure));
        }
    }

    static void size(FtpSession session, String argument) throws IOException {
        replyAboutRegularFile(session, argument, path -> Long.toString(Files.size(path)));
    }

    static void mdtm(FtpSession session, String argument) throws IOException {
        replyAboutRegularFile(session, argument, path -> TIMESTAMP.format(Files.getLastModifiedTime(path).toInstant()));
    }

    /** MFMT YYYYMMDDHHMMSS path: sets the modification time (UTC), as in draft-somers-ftp-mfxx. */
    static void mfmt(FtpSession session, String argument) throws IOException {
        String text = argument.trim();
        int space = text.indexOf(' ');
        Instant time = space < 0 ? null : parseTimestamp(text.substring(0, space));
        if (time == null) {
            session.control().reply(501, "Usage: MFMT YYYYMMDDHHMMSS path");
            return;
        }
        String name = text.substring(space + 1);
        if (FilePolicy.refuseAnonymousChange(session)) {
            return;
        }
        setModificationTime(session, name, time, "Modify=" + TIMESTAMP.format(time) + "; " + Replies.printable(name));
    }

    /** Sets the time of a file or directory inside the root and replies {@code 213 success}, or 550. */
    static void setModificationTime(FtpSession session, String name, Instant time, String success)
            throws IOException {
        ConfinedFileSystem files = session.files();
        try {
            Path path = files.resolveExisting(files.virtualPath(name), true);
            Files.setLastModifiedTime(path, FileTime.from(time));
            session.control().reply(213, success);
        } catch (IOException failure) {
            session.control().reply(550, "Can't change the time of " + Replies.printable(name) + ": "
                    + Replies.reason(failure));
        }
    }

    /** {@code YYYYMMDDHHMMSS} with optional {@code .sss}, UTC; {@code null} when malformed. */
    static Instant parseTimestamp(String text) {
        String seconds = text.contains(".") ? text.substring(0, text.indexOf('.')) : text;
        if (!seconds.matches("\\d{14}")) {
            return null;
        }
        try {
            return LocalDateTime.parse(seconds, DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT))
                    .toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException invalid) {
            return null;
        }
    }

    static void allo(FtpSession session, String argument) throws IOException {
        session.control().reply(202, "No storage allocation necessary");
    }

    /** PRET (a hint before the transfer command): only RETR of a missing file is refused up front. */
    static void pret(FtpSession session, String argument) throws IOException {
        String text = argument.trim();
        if (text.toUpperCase(Locale.ROOT).startsWith("RETR ")) {
            ConfinedFileSystem files = session.files();
            try {
                Path path = files.resolveExisting(files.virtualPath(text.substring(5)), true);
                if (!Files.isRegularFile(path)) {
                    throw new NoSuchFileException(text);
                }
            } catch (IOException missing) {
                session.control().reply(550, "Sorry, but that file doesn't exist");
                return;
            }
        }
        session.control().reply(200, "Ready to proceed");
    }

    /** A fact about one regular file, read by {@link #replyAboutRegularFile}. */
    @FunctionalInterface
    private interface FileFact {
        String of(Path path) throws IOException;
    }

    /** Replies {@code 213 <fact>} for a regular file inside the root, {@code 550} otherwise (SIZE, MDTM). */
    private static void replyAboutRegularFile(FtpSession session, String argument, FileFact fact) throws IOException {
        ConfinedFileSystem files = session.files();
        String answer;
        try {
            Path path = files.resolveExisting(files.virtualPath(argument), true);
            if (!Files.isRegularFile(path)) {
                session.control().reply(550, "I can only retrieve regular files");
                return;
            }
            answer = fact.of(path);
        } catch (IOException failure) {
            session.control().reply(550, "Can't check for file existence");
            return;
        }
        session.control().reply(213, answer);
    }
}
