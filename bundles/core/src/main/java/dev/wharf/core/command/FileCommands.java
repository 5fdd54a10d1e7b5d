package dev.wharf.core.command;

import dev.wharf.api.hook.UploadEvent;
import dev.wharf.core.data.Transfers;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.session.FtpSession;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RETR, STOR, DELE, SIZE, MDTM. */
final class FileCommands {

    private static final Logger LOG = LoggerFactory.getLogger(FileCommands.class);
    private static final DateTimeFormatter MDTM_FORMAT = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);
    /** Uploads are written under this prefix in the target directory, then renamed into place. */
    static final String UPLOAD_TEMP_PREFIX = ".wharf-upload.";

    private FileCommands() {
    }

    static void retr(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        FileChannel file;
        try {
            Path path = files.resolveExisting(files.virtualPath(argument), true);
            if (!Files.isRegularFile(path)) {
                session.control().reply(550, "I can only retrieve regular files");
                return;
            }
            file = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException failure) {
            session.control().reply(550, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        try (file) {
            SocketChannel channel = DataConnections.open(session);
            if (channel == null) {
                return;
            }
            long sent;
            try (channel) {
                if (session.binary()) {
                    sent = Transfers.sendFile(file, 0, channel);
                } else {
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
                    sent = Transfers.sendAscii(Channels.newInputStream(file), out, session.transferBuffer());
                    out.flush();
                }
            } catch (IOException broken) {
                session.control().reply(426, "Transfer aborted: " + broken.getMessage());
                return;
            }
            session.addDownloaded(sent);
            session.control().reply(226, "File successfully transferred");
        }
    }

    /**
     * Atomic upload: data goes to a hidden temporary file in the target directory, which replaces the target
     * only once the transfer completed. A failed upload leaves the old file (or nothing) behind.
     */
    static void stor(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        String virtualPath;
        Path target;
        try {
            virtualPath = files.virtualPath(argument);
            target = files.resolveNew(virtualPath);
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                session.control().reply(553, "Can't open " + Replies.printable(argument) + ": Is a directory");
                return;
            }
        } catch (IOException failure) {
            session.control().reply(553, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        Path temporary = target.resolveSibling(UPLOAD_TEMP_PREFIX
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        FileChannel file;
        try {
            file = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException failure) {
            session.control().reply(553, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        long received = 0;
        boolean complete = false;
        try {
            try (file) {
                SocketChannel channel = DataConnections.open(session);
                if (channel == null) {
                    return;
                }
                try (channel; InputStream in = Channels.newInputStream(channel)) {
                    if (session.binary()) {
                        received = Transfers.receive(in, file, session.transferBuffer());
                    } else {
                        OutputStream out = Channels.newOutputStream(file);
                        received = Transfers.receiveAscii(in, out, session.transferBuffer());
                    }
                    file.force(false);
                } catch (IOException broken) {
                    LOG.info("Upload of {} by '{}' aborted after {} bytes: {}", virtualPath, session.account().name(),
                            received, broken.toString());
                    session.control().reply(451, "Transfer aborted: " + Replies.reason(broken));
                    return;
                }
            }
            moveIntoPlace(temporary, target);
            complete = true;
        } catch (IOException failure) {
            session.control().reply(451, "Can't store " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        } finally {
            if (!complete) {
                Files.deleteIfExists(temporary);
            }
        }
        session.addUploaded(received);
        session.services().hookDispatcher().publish(new UploadEvent(session.account().name(), virtualPath, target,
                received, session.clientAddress(), true, session.clock().instant()));
        session.control().reply(226, "File successfully transferred");
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException notAtomic) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void dele(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        try {
            Path path = files.resolveExisting(files.virtualPath(argument), false);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                session.control().reply(550, "Could not delete " + Replies.printable(argument) + ": Is a directory");
                return;
            }
            Files.delete(path);
            session.control().reply(250, "Deleted " + Replies.printable(argument));
        } catch (IOException failure) {
            session.control().reply(550, "Could not delete " + Replies.printable(argument) + ": "
                    + Replies.reason(failure));
        }
    }

    static void size(FtpSession session, String argument) throws IOException {
        replyAboutRegularFile(session, argument, path -> Long.toString(Files.size(path)));
    }

    static void mdtm(FtpSession session, String argument) throws IOException {
        replyAboutRegularFile(session, argument, path -> MDTM_FORMAT.format(Files.getLastModifiedTime(path).toInstant()));
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
