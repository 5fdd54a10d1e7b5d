package dev.wharf.core.command;

import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.fs.ListingFormatter;
import dev.wharf.core.session.FtpSession;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** PWD, CWD, CDUP, MKD, RMD, LIST and NLST. */
final class DirectoryCommands {

    private DirectoryCommands() {
    }

    static void pwd(FtpSession session, String argument) throws IOException {
        session.control().reply(257, Replies.quoted(session.files().currentDirectory())
                + " is your current location");
    }

    static void cwd(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        String target = argument.isBlank() ? files.home() : argument;
        try {
            files.changeDirectory(files.virtualPath(target));
            session.control().reply(250, "OK. Current directory is " + Replies.printable(files.currentDirectory()));
        } catch (IOException failure) {
            session.control().reply(550, "Can't change directory to " + Replies.printable(target) + ": "
                    + Replies.reason(failure));
        }
    }

    static void cdup(FtpSession session, String argument) throws IOException {
        cwd(session, "..");
    }

    static void mkd(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        try {
            String path = files.virtualPath(argument);
            Files.createDirectory(files.resolveNew(path));
            session.control().reply(257, Replies.quoted(path) + " : The directory was successfully created");
        } catch (IOException failure) {
            session.control().reply(550, "Can't create directory " + Replies.printable(argument) + ": "
                    + Replies.reason(failure));
        }
    }

    static void rmd(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        try {
            String path = files.virtualPath(argument);
            if (path.equals("/")) {
                session.control().reply(550, "Can't remove directory: the root cannot be removed");
                return;
            }
            Path directory = files.resolveExisting(path, false);
            if (!Files.isDirectory(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                session.control().reply(550, "Can't remove directory: Not a directory");
                return;
            }
            Files.delete(directory);
            session.control().reply(250, "The directory was successfully removed");
        } catch (IOException failure) {
            session.control().reply(550, "Can't remove directory: " + Replies.reason(failure));
        }
    }

    static void list(FtpSession session, String argument) throws IOException {
        send(session, argument, true);
    }

    static void nlst(FtpSession session, String argument) throws IOException {
        send(session, argument, false);
    }

    /** Options such as {@code -la} are accepted like ls does; {@code a} shows dot files. */
    private static void send(FtpSession session, String argument, boolean longFormat) throws IOException {
        String pathArgument = argument.trim();
        boolean showHidden = false;
        while (pathArgument.startsWith("-")) {
            int end = pathArgument.indexOf(' ');
            String options = end < 0 ? pathArgument : pathArgument.substring(0, end);
            showHidden |= options.indexOf('a') >= 0 || options.indexOf('A') >= 0;
            pathArgument = end < 0 ? "" : pathArgument.substring(end + 1).trim();
        }
        ConfinedFileSystem files = session.files();
        Path target;
        try {
            target = files.resolveExisting(files.virtualPath(pathArgument.isEmpty() ? "." : pathArgument), true);
        } catch (IOException failure) {
            session.control().reply(550, "Can't list " + Replies.printable(pathArgument) + ": "
                    + Replies.reason(failure));
            return;
        }
        List<Path> entries = new ArrayList<>();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(target)) {
                for (Path entry : stream) {
                    String name = entry.getFileName().toString();
                    if ((showHidden || !name.startsWith(".")) && !hasControlCharacter(name)) {
                        entries.add(entry);
                    }
                }
            } catch (IOException failure) {
                session.control().reply(550, "Can't list " + Replies.printable(pathArgument) + ": "
                        + Replies.reason(failure));
                return;
            }
            entries.sort(null);
        } else {
            entries.add(target);
        }
        SocketChannel channel = DataConnections.open(session);
        if (channel == null) {
            return;
        }
        ListingFormatter formatter = new ListingFormatter(session.clock().getZone(), session.clock().instant());
        int shown = 0;
        try (channel; Writer out = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(channel),
                StandardCharsets.UTF_8), 16 * 1024)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                String line;
                try {
                    line = longFormat ? formatter.longFormat(entry, name) : name;
                } catch (IOException vanished) {
                    continue; // deleted while listing: leave it out
                }
                out.write(line);
                out.write("\r\n");
                shown++;
            }
        } catch (IOException broken) {
            session.control().reply(426, "Data connection closed; listing aborted");
            return;
        }
        session.control().reply(226, shown + " matches total");
    }

    private static boolean hasControlCharacter(String name) {
        return name.chars().anyMatch(c -> c < 0x20 || c == 0x7F);
    }
}
