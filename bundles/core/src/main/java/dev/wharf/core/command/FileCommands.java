package dev.wharf.core.command;

import dev.wharf.api.event.WharfEvents;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
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
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
        ReadFile opened;
        String virtualPath;
        Path path;
        try {
            virtualPath = files.virtualPath(argument);
            if (QuotaRules.refuseName(session, virtualPath)) {
                return;
            }
            try {
                opened = files.storage().openRead(virtualPath);
            } catch (FileSystemException notRegular) {
                FileInfo what = notRegular instanceof NoSuchFileException
                        || notRegular instanceof AccessDeniedException ? null : statQuietly(files, virtualPath);
                if (what != null && !what.isFile()) {
                    session.control().reply(550, "I can only retrieve regular files");
                    return;
                }
                throw notRegular;
            }
            if (FilePolicy.refuseRead(session, virtualPath, opened.info())) {
                opened.close();
                return;
            }
            path = files.localPath(virtualPath);
        } catch (IOException failure) {
            session.control().reply(550, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        try (opened) {
            SeekableByteChannel file = opened.channel();
            long size = opened.info().size();
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
                        if (file instanceof FileChannel fileChannel && files.can(virtualPath, StorageCapability.ZERO_COPY)
                                && zeroCopy(session, connection, size - offset)) {
                            Transfers.sendFile(fileChannel, offset, size, connection.channel(), transfer);
                        } else {
                            Transfers.sendByCopy(file, offset, size, connection.channel(),
                                    session.directTransferBuffer(), session.runtime().largeBuffers(), transfer);
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

    private static FileInfo statQuietly(ConfinedFileSystem files, String virtualPath) {
        try {
            return files.storage().stat(virtualPath);
        } catch (IOException unknown) {
            return null;
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
            FileInfo entry = files.storage().lstatIfExists(virtualPath);
            if (entry == null) {
                throw new NoSuchFileException(virtualPath, null, "No such file or directory");
            }
            if (entry.isDirectory()) {
                session.control().reply(550, "Could not delete " + Replies.printable(argument) + ": Is a directory");
                return;
            }
            if (QuotaRules.refuseName(session, virtualPath)) {
                return;
            }
            QuotaRules.removing(session, virtualPath, () -> files.storage().delete(virtualPath));
            session.activity().fileChanged(session, WharfEvents.DELETE, virtualPath, files.localPath(virtualPath));
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
            if (files.storage().lstatIfExists(path) == null) {
                throw new NoSuchFileException(path);
            }
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
            Storage storage = files.storage();
            if (storage.lstatIfExists(from) == null) {
                throw new NoSuchFileException(from, null, "No such file or directory");
            }
            String toPath = files.virtualPath(argument);
            if (toPath.equals("/")) {
                throw new FileSystemException(toPath, null, "The root directory cannot be replaced");
            }
            if (FilePolicy.refuseRename(session, toPath)) {
                return;
            }
            if (session.security().settings().keepAllFiles() && storage.lstatIfExists(toPath) != null) {
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
            // a name that is replaced gives its room back to the quota
            QuotaRules.removing(session, toPath, () -> storage.rename(from, toPath, true));
            session.activity().renamed(session, from, toPath, files.localPath(toPath));
            session.control().reply(250, "File successfully renamed or moved");
        } catch (IOException failure) {
            session.control().reply(553, "Rename/move failure: " + Replies.reason(failure));
        }
    }

    /**
     * SIZE; with {@code upload.mode = atomic-resume}, a name that has no file but a kept partial upload reports the
     * partial's size, which is where a client resuming its upload (curl {@code -C -}, lftp {@code put -c}) goes on.
     */
    static void size(FtpSession session, String argument) throws IOException {
        if (session.settings().uploadMode() == ListenerSettings.UploadMode.ATOMIC_RESUME) {
            FileInfo partial = keptPartial(session.files(), argument);
            if (partial != null) {
                session.control().reply(213, Long.toString(partial.size()));
                return;
            }
        }
        replyAboutRegularFile(session, argument, info -> Long.toString(info.size()));
    }

    /** The partial upload kept for {@code argument} while no entry has that name, or {@code null}. */
    private static FileInfo keptPartial(ConfinedFileSystem files, String argument) {
        try {
            String virtualPath = files.virtualPath(argument);
            if (virtualPath.equals("/") || files.storage().lstatIfExists(virtualPath) != null) {
                return null;
            }
            FileInfo partial = files.storage().lstatIfExists(ConfinedFileSystem.partialOf(virtualPath));
            return partial != null && partial.isFile() ? partial : null;
        } catch (IOException noSuchDirectoryOrRefused) {
            return null;
        }
    }

    static void mdtm(FtpSession session, String argument) throws IOException {
        replyAboutRegularFile(session, argument, info -> TIMESTAMP.format(info.modified()));
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
            String path = files.virtualPath(name);
            if (!files.can(path, StorageCapability.SET_TIMES)) {
                session.control().reply(504, "Setting times is not supported by this storage");
                return;
            }
            files.storage().setModified(path, time);
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
                if (!files.storage().stat(files.virtualPath(text.substring(5))).isFile()) {
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
        String of(FileInfo info) throws IOException;
    }

    /** Replies {@code 213 <fact>} for a regular file inside the root, {@code 550} otherwise (SIZE, MDTM). */
    private static void replyAboutRegularFile(FtpSession session, String argument, FileFact fact) throws IOException {
        ConfinedFileSystem files = session.files();
        String answer;
        try {
            FileInfo info = files.storage().stat(files.virtualPath(argument));
            if (!info.isFile()) {
                session.control().reply(550, "I can only retrieve regular files");
                return;
            }
            answer = fact.of(info);
        } catch (IOException failure) {
            session.control().reply(550, "Can't check for file existence");
            return;
        }
        session.control().reply(213, answer);
    }
}
