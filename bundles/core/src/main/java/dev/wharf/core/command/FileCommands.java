package dev.wharf.core.command;

import dev.wharf.api.event.WharfEvents;
import dev.wharf.core.data.DataConnection;
import dev.wharf.core.data.Transfers;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.limits.SessionLimits;
import dev.wharf.core.server.ListenerSettings;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.session.Transfer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/** RETR, STOR, APPE, STOU (see {@link Upload}), REST, ABOR, DELE, RNFR, RNTO, SIZE, MDTM, MFMT, ALLO, PRET. */
final class FileCommands {

    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);
    private static final int OUTPUT_BUFFER = 64 * 1024;

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
                        if (zeroCopy(session, connection, size - offset)) {
                            Transfers.sendFile(file, offset, size, connection.channel(), transfer);
                        } else {
                            Transfers.sendByCopy(file, offset, size, connection.channel(),
                                    session.directTransferBuffer(), transfer);
                        }
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

    /**
     * Whether a plain binary download of {@code length} bytes goes by sendfile ({@link ListenerSettings.Sendfile}).
     * What fits in one buffer never does: the JDK's transferTo costs three system calls (fstat, a copy_file_range
     * that a socket refuses, sendfile) where a read and a write take two. The data connection's peer counts, not
     * the control connection's (with FXP they differ).
     */
    private static boolean zeroCopy(FtpSession session, DataConnection connection, long length) throws IOException {
        return switch (session.settings().sendfile()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> length > FtpSession.TRANSFER_BUFFER_SIZE
                    && !(connection.channel().getRemoteAddress() instanceof InetSocketAddress peer
                    && peer.getAddress().isLoopbackAddress());
        };
    }

    static void stor(FtpSession session, String argument) throws IOException {
        Upload.run(session, argument, Upload.Mode.REPLACE);
    }

    static void appe(FtpSession session, String argument) throws IOException {
        Upload.run(session, argument, Upload.Mode.APPEND);
    }

    /** STOU: the client's argument is only a hint; the name is made unique here, atomically. */
    static void stou(FtpSession session, String argument) throws IOException {
        Upload.run(session, argument, Upload.Mode.UNIQUE);
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

    static void closeQuietly(java.io.Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException ignored) {
            // the transfer is over or refused and answered: nothing depends on this close
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
