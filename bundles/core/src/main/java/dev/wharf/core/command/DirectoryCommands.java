package dev.wharf.core.command;

import dev.wharf.api.event.WharfEvents;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.session.FtpSession;
import dev.wharf.api.storage.FileInfo;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/** PWD, CWD, CDUP, MKD, RMD. */
final class DirectoryCommands {

    private DirectoryCommands() {
    }

    static void pwd(FtpSession session, String argument) throws IOException {
        session.control().reply(257, Replies.quoted(session.files().currentDirectory())
                + " is your current location");
    }

    static void cwd(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        String target = argument.isBlank() ? files.home() : expandHome(argument, files.home());
        try {
            changeDirectoryOrAlias(files, target);
            List<String> lines = new ArrayList<>(messageLines(files, files.currentDirectory()));
            lines.add("OK. Current directory is " + Replies.printable(files.currentDirectory()));
            session.changeDirectorySucceeded();
            session.control().reply(250, lines);
        } catch (IOException failure) {
            if (session.changeDirectoryFailed()) {
                return;
            }
            session.control().reply(550, "Can't change directory to " + Replies.printable(target) + ": "
                    + Replies.reason(failure));
        }
    }

    /**
     * Changes to {@code target}; when that fails and {@code target} is a directory alias (Pure-FTPd's diraliases),
     * to the alias's directory instead. The first failure is the one reported when neither works.
     */
    private static void changeDirectoryOrAlias(ConfinedFileSystem files, String target) throws IOException {
        try {
            files.changeDirectory(files.virtualPath(target));
        } catch (IOException failure) {
            String alias = files.aliases().get(target);
            if (alias == null) {
                throw failure;
            }
            try {
                files.changeDirectory(alias);
            } catch (IOException aliasFailure) {
                failure.addSuppressed(aliasFailure);
                throw failure;
            }
        }
    }

    /** {@code ~} and {@code ~/dir} stand for the home directory, as in Pure-FTPd ({@code ~user} is not expanded). */
    static String expandHome(String argument, String home) {
        if (argument.equals("~")) {
            return home;
        }
        if (argument.startsWith("~/")) {
            return (home.endsWith("/") ? home : home + "/") + argument.substring(2);
        }
        return argument;
    }

    static void cdup(FtpSession session, String argument) throws IOException {
        cwd(session, "..");
    }

    static void mkd(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        try {
            String path = files.virtualPath(argument);
            if (path.equals("/")) {
                throw new FileAlreadyExistsException(path, null, "File exists");
            }
            if (FilePolicy.refuseWrite(session, path, false) || QuotaRules.refuseName(session, path)) {
                return;
            }
            int mode = FilePolicy.directoryMode(session);
            if (!QuotaRules.makeDirectory(session, path, () -> files.storage().mkdir(path, mode))) {
                return;
            }
            session.activity().fileChanged(session, WharfEvents.MKDIR, path, files.localPath(path));
            session.control().reply(257, Replies.quoted(path) + " : The directory was successfully created");
        } catch (IOException failure) {
            session.control().reply(550, "Can't create directory " + Replies.printable(argument) + ": "
                    + Replies.reason(failure));
        }
    }

    static void rmd(FtpSession session, String argument) throws IOException {
        if (FilePolicy.refuseAnonymousChange(session)) {
            return;
        }
        ConfinedFileSystem files = session.files();
        try {
            String path = files.virtualPath(argument);
            if (path.equals("/")) {
                session.control().reply(550, "Can't remove directory: the root cannot be removed");
                return;
            }
            FileInfo directory = files.storage().lstatIfExists(path);
            if (directory == null) {
                throw new NoSuchFileException(path, null, "No such file or directory");
            }
            if (!directory.isDirectory()) {
                session.control().reply(550, "Can't remove directory: Not a directory");
                return;
            }
            QuotaRules.removing(session, path, () -> files.storage().rmdir(path));
            session.activity().fileChanged(session, WharfEvents.RMDIR, path, files.localPath(path));
            session.control().reply(250, "The directory was successfully removed");
        } catch (IOException failure) {
            session.control().reply(550, "Can't remove directory: " + Replies.reason(failure));
        }
    }

    /** A directory's {@code .message} (Pure-FTPd's convention), shown on CWD as {@code 250-} lines. */
    static List<String> messageLines(ConfinedFileSystem files, String directory) {
        return MessageFiles.read(files.storage(), ConfinedFileSystem.child(directory, ".message"));
    }
}
