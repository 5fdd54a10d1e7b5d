package dev.wharf.core.command;

import dev.wharf.api.hook.UploadEvent;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.FileNames;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.WriteMode;
import dev.wharf.core.data.DataConnection;
import dev.wharf.core.data.Transfers;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.fs.PathRefusedException;
import dev.wharf.core.limits.QuotaExceededException;
import dev.wharf.core.server.ListenerSettings.UploadMode;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.session.Transfer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One STOR, STOU or APPE, from the checks of the name to the final reply. How a new upload (STOR, STOU) is written
 * depends on the listener's {@link UploadMode}: atomic (an unnamed file that takes the final name only once the
 * transfer completed; a failed upload leaves the old file, or nothing), atomic with the cut upload kept under a
 * hidden partial name for resuming, or direct (in place under the final name). Appending and resuming (APPE,
 * REST+STOR) write in place, as they must to keep what is already there: into the kept partial when there is one
 * ({@code atomic-resume}, renamed onto the final name once complete), else into the file itself. Each step answers
 * the client itself when it refuses.
 */
final class Upload {

    /** How STOR, APPE and STOU write. */
    enum Mode { REPLACE, APPEND, UNIQUE }

    private static final Logger LOG = LoggerFactory.getLogger(Upload.class);
    private static final String UNIQUE_PREFIX = "wharf.";

    private final FtpSession session;
    private final String argument;
    private final Mode mode;
    private final long offset;
    private String virtualPath;
    /** Whether an entry has the final name (what a completed upload replaces). */
    private boolean targetExists;
    /** Whether the file written in place existed before, and its length then. */
    private boolean exists;
    private long lengthBefore;
    /** APPE, STOR after REST, or a direct STOR: a named file is written (the final one or the kept partial). */
    private boolean inPlace;
    /** {@code atomic-resume}: where a cut upload is kept ({@code .wharf-partial.<name>}), else null. */
    private String partialPath;
    /** APPE or REST + STOR continue the kept partial, which takes the final name once complete. */
    private boolean resumesPartial;
    /** A plain STOR in {@code atomic-resume} mode starts over: the kept partial is removed first. */
    private boolean discardsPartial;
    /** {@code direct}: a new STOR written in place under its final name. */
    private boolean direct;
    /** The quota stopped the upload: nothing of it is kept as a partial. */
    private boolean overQuota;
    /** What the upload will replace: the old file (STOR over it), or what REST cuts off. */
    private boolean mayReplace;
    private long keepLength;
    /** A new upload (STOR, STOU), invisible until placed. */
    private PendingUpload pending;
    /** Where the data goes: the file itself (in place) or the pending upload's channel. */
    private SeekableByteChannel openedFile;
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
        if (upload.discardsPartial && !upload.discardPartial()) {
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
            if (virtualPath.equals("/")) {
                throw new PathRefusedException("The root directory cannot be replaced");
            }
            if ((mode == Mode.APPEND && !files.can(virtualPath, StorageCapability.APPEND))
                    || (offset > 0 && !files.can(virtualPath, StorageCapability.RESUME))) {
                session.control().reply(504, (mode == Mode.APPEND ? "APPE" : "REST before STOR")
                        + " is not supported by this storage");
                return false;
            }
            Storage storage = files.storage();
            FileInfo existing = storage.lstatIfExists(virtualPath); // throws when the directory is missing
            boolean link = existing != null && existing.isSymbolicLink();
            if (link) {
                // a dangling link is replaced by a new upload's rename, never written through
                if (mode == Mode.APPEND || offset > 0 || statIfExists(storage, virtualPath) != null) {
                    throw new PathRefusedException("Refusing to write through a symbolic link");
                }
                existing = null;
            }
            if (existing != null && existing.isDirectory()) {
                session.control().reply(553, "Can't open " + Replies.printable(argument) + ": Is a directory");
                return false;
            }
            targetExists = existing != null;
            UploadMode uploadMode = session.settings().uploadMode();
            if (uploadMode == UploadMode.ATOMIC_RESUME && mode != Mode.UNIQUE && keepsPartials(storage)
                    && partialNameFits(virtualPath)) {
                partialPath = ConfinedFileSystem.partialOf(virtualPath);
                FileInfo partial = storage.lstatIfExists(partialPath);
                if (partial != null && partial.isFile()) {
                    if (mode == Mode.APPEND || offset > 0) {
                        resumesPartial = true;
                        existing = partial;
                    } else {
                        discardsPartial = true;
                    }
                }
            }
            exists = existing != null;
            lengthBefore = exists && existing.isFile() ? existing.size() : 0;
            direct = uploadMode == UploadMode.DIRECT && mode == Mode.REPLACE && offset == 0 && !link
                    && !session.security().settings().autorename()
                    && storage.can(exists ? StorageCapability.RESUME : StorageCapability.APPEND);
            if (offset > 0 && (!exists || !existing.isFile() || lengthBefore < offset)) {
                session.control().reply(554, "Restart offset " + offset + " is beyond the end of the file");
                return false;
            }
            return !FilePolicy.refuseWrite(session, virtualPath, targetExists && mode != Mode.UNIQUE)
                    && !QuotaRules.refuseName(session, virtualPath);
        } catch (IOException failure) {
            session.control().reply(553, "Can't open " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return false;
        }
    }

    /** Whether a storage can continue a kept partial (REST + STOR or APPE); without either none is kept. */
    private static boolean keepsPartials(Storage storage) {
        return storage.can(StorageCapability.RESUME) || storage.can(StorageCapability.APPEND);
    }

    /** A name too long to take the partial prefix (255 bytes at most) is uploaded atomically, nothing kept. */
    private static boolean partialNameFits(String virtualPath) {
        return FileNames.encode(FileNames.PARTIAL_UPLOAD_PREFIX + ConfinedFileSystem.nameOf(virtualPath)).length
                <= 255;
    }

    /** A plain STOR starts over: the kept partial goes (its room back to the quota); false when refused (answered). */
    private boolean discardPartial() throws IOException {
        Storage storage = session.files().storage();
        try {
            QuotaRules.removing(session, partialPath, () -> storage.delete(partialPath));
            return true;
        } catch (IOException failure) {
            session.control().reply(553, "Can't open " + Replies.printable(argument)
                    + ": the partial upload kept for it cannot be removed: " + Replies.reason(failure));
            return false;
        }
    }

    /** The file written in place: the kept partial when continuing it, else the final name. */
    private String writePath() {
        return resumesPartial ? partialPath : virtualPath;
    }

    /** Decides how the data is written and asks the quota for room; the bytes allowed, negative when refused. */
    private long reserveQuota() throws IOException {
        inPlace = mode == Mode.APPEND || offset > 0 || direct;
        mayReplace = mode == Mode.REPLACE && !inPlace && !session.security().settings().autorename();
        long freed = mayReplace || direct ? lengthBefore : offset > 0 ? lengthBefore - offset : 0;
        boolean addsFile = inPlace ? !exists : !(mayReplace && exists);
        keepLength = mode == Mode.APPEND ? lengthBefore : offset;
        return QuotaRules.startUpload(session, virtualPath, addsFile, freed);
    }

    /** APPE and resumed STOR open the file before the data connection; false when that failed (answered). */
    private boolean openInPlace() throws IOException {
        if (!inPlace || direct) {
            return true;
        }
        WriteMode writeMode = mode == Mode.APPEND ? WriteMode.APPEND : WriteMode.AT_OFFSET;
        try {
            openedFile = session.files().storage().openWrite(writePath(), writeMode, offset,
                    FilePolicy.fileMode(session));
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
                if (openedFile == null && !(direct ? openDirect(connection) : createTemporaryFile(connection))) {
                    return;
                }
                if (!receive(connection, allowance)) {
                    return;
                }
                place();
                complete = true;
            } catch (QuotaExceededException noRoom) {
                overQuota = true;
                session.control().reply(552, "Quota exceeded: [" + Replies.printable(virtualPath)
                        + "] won't be saved");
                return;
            } catch (IOException failure) {
                session.control().reply(Replies.storageFull(failure) ? 452 : 451, "Can't store "
                        + Replies.printable(argument) + ": " + Replies.reason(failure));
                return;
            } finally {
                if (!complete) {
                    cleanUpAfterFailure();
                }
                FileCommands.closeQuietly(pending);
            }
            session.control().reply(226, mode == Mode.UNIQUE
                    ? "Transfer complete (unique file name: " + Replies.printable(virtualPath) + ")"
                    : "File successfully transferred");
        } finally {
            FileCommands.closeQuietly(plainConnection);
            if (complete) {
                // after the reply: the client goes on with its next command meanwhile
                announce(session.files().localPath(virtualPath), true);
            }
        }
    }

    /**
     * A direct STOR cuts an existing file to nothing, or creates it (as Pure-FTPd does without NoTruncate), only
     * once the data connection is there: a refused data connection leaves the old file whole and makes none.
     */
    private boolean openDirect(DataConnection connection) throws IOException {
        try {
            openedFile = session.files().storage().openWrite(virtualPath, exists ? WriteMode.AT_OFFSET
                    : WriteMode.APPEND, 0, FilePolicy.fileMode(session));
            return true;
        } catch (IOException failure) {
            if (connection.encrypted()) {
                FileCommands.closeQuietly(connection);
            }
            session.control().reply(Replies.storageFull(failure) ? 452 : 553, "Can't open "
                    + Replies.printable(argument) + ": " + Replies.reason(failure));
            return false;
        }
    }

    /** The temporary file is made after the 150 reply: the client's first bytes arrive meanwhile. */
    private boolean createTemporaryFile(DataConnection connection) throws IOException {
        try {
            pending = session.files().storage().startUpload(virtualPath, FilePolicy.fileMode(session));
            openedFile = pending.channel();
            return true;
        } catch (IOException failure) {
            if (connection.encrypted()) {
                FileCommands.closeQuietly(connection);
            }
            session.control().reply(Replies.storageFull(failure) ? 452 : 553, "Can't open "
                    + Replies.printable(argument) + ": " + Replies.reason(failure));
            return false;
        }
    }

    /** Reads the data connection into the file to its end; false when the upload failed (answered). */
    private boolean receive(DataConnection connection, long allowance) throws IOException {
        try (SeekableByteChannel file = openedFile) {
            transfer = session.beginTransfer(Transfer.Kind.UPLOAD, "Receiving " + Replies.printable(virtualPath),
                    virtualPath, connection.channel(), offset, -1, allowance);
            connection.channel().socket().setSoTimeout(0); // a stalled upload is caught by the stall check
            // with TLS, only the client's close_notify ends an upload; a bare TCP close is an error
            try (DataConnection tls = connection.encrypted() ? connection : null;
                 InputStream tlsInput = tls != null ? tls.input() : null) {
                InputStream in = tlsInput != null ? tlsInput : connection.input();
                if (session.binary() && tls == null) {
                    Transfers.receive(connection.channel(), file, session.directTransferBuffer(),
                            session.runtime().largeBuffers(), transfer);
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
                // a plain upload's data has no end marker: a client killed mid-upload ends it as one that finished
                // would, but its control connection is closed too (the kernel knows before the watcher has read it)
                if (session.controlClosed() || (tls == null && transfer.elapsedNanos() >= FtpSession.PEER_CHECK_NANOS
                        && session.controlClosedByPeer())) {
                    throw new EOFException("the client closed the control connection");
                }
                if (session.security().settings().uploadFsync() && file instanceof FileChannel onDisk) {
                    onDisk.force(false);
                }
                return true;
            } catch (QuotaExceededException noRoom) {
                overQuota = true;
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
                // after ABOR: 426 here, then 226 for the ABOR itself, as for downloads; a full disk is 452
                session.control().reply(transfer.abortedByCommand() ? 426
                        : !transfer.aborted() && Replies.storageFull(broken) ? 452 : 451, transfer.aborted()
                        ? "Transfer aborted" : "Transfer aborted: " + reason);
                return false;
            } finally {
                session.addUploaded(transfer.bytes());
                session.endTransfer(transfer);
            }
        }
    }

    /** Counts an in-place upload (a completed partial then takes the final name), or places a new one. */
    private void place() throws IOException {
        Storage storage = session.files().storage();
        if (inPlace) {
            countedInPlace = true;
            QuotaRules.countInPlace(session, writePath(), exists, lengthBefore, keepLength);
            if (resumesPartial) {
                virtualPath = commitPartial(storage);
            }
            return;
        }
        String requested = virtualPath;
        String[] placed = {requested};
        QuotaRules.placeUpload(session, pending, requested, mayReplace, () -> {
            if (mode == Mode.UNIQUE || (session.security().settings().autorename()
                    && storage.lstatIfExists(requested) != null)) {
                placed[0] = placeUnderFreeName(pending, requested, mode == Mode.UNIQUE);
            } else {
                pending.commit(ConfinedFileSystem.nameOf(requested), true);
            }
        });
        virtualPath = placed[0];
    }

    /**
     * A failed new upload leaves nothing; a failed append or resume keeps what arrived (that is what resuming is
     * for) and the quota counts it. The log, events and hooks hear of it either way.
     */
    private void cleanUpAfterFailure() throws IOException {
        java.nio.file.Path hookFile = session.files().localPath(inPlace || pending == null ? writePath()
                : ConfinedFileSystem.parentOf(virtualPath)); // a new upload that failed left no file
        if (pending != null) {
            if (keepAsPartial()) {
                hookFile = session.files().localPath(partialPath);
            }
            pending.close();
        }
        if (direct && !exists && overQuota) {
            // a new file the quota stopped is not kept, as with atomic uploads (it was never counted)
            try {
                session.files().storage().delete(virtualPath);
                countedInPlace = true;
            } catch (IOException failure) {
                LOG.warn("Over-quota upload {} of '{}' not removed: {}", virtualPath, session.account().name(),
                        failure.toString());
            }
        }
        if (inPlace && !countedInPlace && openedFile != null) { // a direct STOR whose file never opened changed nothing
            try {
                QuotaRules.countInPlace(session, writePath(), exists, lengthBefore, keepLength);
            } catch (IOException failure) {
                LOG.warn("Quota of '{}' not updated after a broken upload: {}", session.account().name(),
                        failure.toString());
            }
        }
        if (transfer != null) {
            announce(hookFile, false);
        }
    }

    /**
     * {@code atomic-resume}: a cut new upload is kept under its partial name (counted by the quota) so that REST +
     * STOR or APPE can continue it; not when the quota stopped it or nothing arrived. True when kept.
     */
    private boolean keepAsPartial() {
        if (partialPath == null || overQuota || transfer == null) {
            return false;
        }
        try {
            if (pending.size() == 0) {
                return false;
            }
            QuotaRules.placeUpload(session, pending, partialPath, true,
                    () -> pending.commit(ConfinedFileSystem.nameOf(partialPath), true));
            LOG.info("Upload of {} by '{}' cut after {} bytes: kept for resuming", virtualPath,
                    session.account().name(), transfer.bytes());
            return true;
        } catch (IOException notKept) {
            LOG.info("Upload of {} by '{}' cut; not kept for resuming: {}", virtualPath, session.account().name(),
                    notKept.toString());
            return false;
        }
    }

    /**
     * Gives a completed partial its final name by a rename in its directory (readers see the old file or the
     * whole new one), replacing what is there (its room goes back to the quota), or the next free name with
     * autorename. Returns the path it took.
     */
    private String commitPartial(Storage storage) throws IOException {
        String target = virtualPath;
        if (session.security().settings().autorename() && storage.lstatIfExists(target) != null) {
            String directory = ConfinedFileSystem.parentOf(target);
            String name = ConfinedFileSystem.nameOf(target);
            for (int suffix = 1; suffix < 10_000; suffix++) {
                String candidate = ConfinedFileSystem.child(directory, name + "." + suffix);
                try {
                    storage.rename(partialPath, candidate, false);
                    return candidate;
                } catch (FileAlreadyExistsException taken) {
                    // try the next number
                }
            }
            throw new IOException("no free name for " + name);
        }
        QuotaRules.removing(session, target, () -> storage.rename(partialPath, target, true));
        return target;
    }

    /**
     * The transfer log line, the transfer event and the upload hooks of a finished (or failed) upload; the hooks
     * see {@code hookFile}: the file, or the temporary file a failed new upload went to (removed by now).
     */
    private void announce(java.nio.file.Path hookFile, boolean succeeded) {
        session.recordTransfer(transfer, session.files().localPath(virtualPath), succeeded);
        if (session.files().hasLocalPath(virtualPath)) { // hooks run programs on a real file: none without one
            session.services().hookDispatcher().publish(new UploadEvent(session.account().name(), virtualPath,
                    hookFile, transfer.bytes(), session.clientAddress(), succeeded, session.clock().instant()));
        }
    }

    /** A name no file in the current directory has yet; the hard link of the final placing keeps it unique. */
    private String uniqueName() throws IOException {
        ConfinedFileSystem files = session.files();
        for (int attempt = 0; attempt < 100; attempt++) {
            String name = UNIQUE_PREFIX + Long.toHexString(System.currentTimeMillis()) + "."
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            if (files.storage().lstatIfExists(files.virtualPath(name)) == null) {
                return name;
            }
        }
        throw new IOException("no unique name found");
    }

    /**
     * Gives the finished upload a name nobody has: {@code target} itself for STOU, else {@code target.1},
     * {@code target.2} … (autorename). Placing refuses an existing name, so two uploads never share one.
     */
    private static String placeUnderFreeName(PendingUpload upload, String target, boolean tryTargetFirst)
            throws IOException {
        String name = ConfinedFileSystem.nameOf(target);
        String directory = ConfinedFileSystem.parentOf(target);
        for (int suffix = tryTargetFirst ? 0 : 1; suffix < 10_000; suffix++) {
            String candidate = suffix == 0 ? name : name + "." + suffix;
            try {
                upload.commit(candidate, false);
                return ConfinedFileSystem.child(directory, candidate);
            } catch (FileAlreadyExistsException taken) {
                // try the next number
            }
        }
        throw new IOException("no free name for " + name);
    }

    private static FileInfo statIfExists(Storage storage, String virtualPath) {
        try {
            return storage.stat(virtualPath);
        } catch (IOException danglingOrOutside) {
            return null;
        }
    }
}
