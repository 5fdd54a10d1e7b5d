package dev.wharf.core.command;

import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.session.FtpSession;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** SITE CHMOD, UTIME, IDLE, TIME, ALIAS and HELP. */
final class SiteCommands {

    /** SITE IDLE may lengthen the idle timeout up to this (Pure-FTPd allows 2520 s). */
    static final Duration MAX_IDLE = Duration.ofSeconds(7200);
    private static final DateTimeFormatter SERVER_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private SiteCommands() {
    }

    static void site(FtpSession session, String argument) throws IOException {
        String text = argument.trim();
        int space = text.indexOf(' ');
        String sub = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
        String rest = space < 0 ? "" : text.substring(space + 1).trim();
        switch (sub) {
            case "CHMOD" -> chmod(session, rest);
            case "UTIME" -> utime(session, rest);
            case "IDLE" -> idle(session, rest);
            case "ALIAS" -> alias(session, rest);
            case "TIME" -> session.control().reply(200, "Local time is " + SERVER_TIME.format(
                    session.clock().instant().atZone(session.clock().getZone())));
            case "HELP" -> help(session);
            case "" -> session.control().reply(500, "SITE: Missing argument");
            default -> session.control().reply(500, "SITE " + Replies.printable(sub) + " is an unknown extension");
        }
    }

    /** SITE HELP: CHMOD and UTIME only where the session's storage has modes and settable times. */
    private static void help(FtpSession session) throws IOException {
        Storage storage = session.files().storage();
        List<String> lines = new java.util.ArrayList<>();
        if (storage.can(StorageCapability.POSIX_PERMISSIONS)) {
            lines.add(" CHMOD <octal mode> <path>");
        }
        if (storage.can(StorageCapability.SET_TIMES)) {
            lines.add(" UTIME <YYYYMMDDhhmmss> <path>");
            lines.add(" UTIME <path> <atime> <mtime> <ctime> UTC");
        }
        lines.addAll(List.of(" IDLE <seconds>", " TIME", " ALIAS [<name>]", " HELP"));
        session.control().replyBlock(214, "The following SITE commands are recognized", lines, "Help OK.");
    }

    /**
     * SITE ALIAS lists the directory aliases this session may use (listener setting {@code dir.aliases.file}), as
     * the virtual paths they lead to; SITE ALIAS name shows one. Replies as Pure-FTPd's diraliases build.
     */
    static void alias(FtpSession session, String name) throws IOException {
        java.util.Map<String, String> aliases = session.files().aliases();
        if (name.isEmpty()) {
            session.control().replyBlock(214, "The following aliases are available :", aliases.entrySet().stream()
                    .map(alias -> " " + Replies.printable(alias.getKey()) + " " + Replies.printable(alias.getValue()))
                    .toList(), "End of list");
            return;
        }
        String target = aliases.get(name);
        if (target == null) {
            session.control().reply(502, "Unknown alias " + Replies.printable(name) + ".");
        } else {
            session.control().reply(214, Replies.printable(name) + " is an alias for " + Replies.printable(target)
                    + ".");
        }
    }

    static void chmod(FtpSession session, String argument) throws IOException {
        int space = argument.indexOf(' ');
        int mode;
        try {
            mode = space < 0 ? -1 : Integer.parseInt(argument.substring(0, space), 8);
        } catch (NumberFormatException notOctal) {
            mode = -1;
        }
        if (mode < 0 || mode > 07777) {
            session.control().reply(501, "Invalid permissions");
            return;
        }
        String name = argument.substring(space + 1);
        if (FilePolicy.refuseChmod(session)) {
            return;
        }
        ConfinedFileSystem files = session.files();
        try {
            Storage storage = files.storage();
            String path = files.virtualPath(name);
            if (!files.can(path, StorageCapability.POSIX_PERMISSIONS)) {
                throw new UnsupportedOperationException("no modes");
            }
            storage.chmod(path, FilePolicy.protectOwner(session, mode, storage.stat(path).isDirectory()));
            session.control().reply(200, "Permissions changed on " + Replies.printable(name));
        } catch (UnsupportedOperationException noPosix) {
            session.control().reply(504, "SITE CHMOD is not supported by this storage (it has no Unix permissions)");
        } catch (IOException failure) {
            session.control().reply(550, "Could not change perms on " + Replies.printable(name) + ": "
                    + Replies.reason(failure));
        }
    }

    /**
     * Both forms: {@code UTIME YYYYMMDDhhmmss path} and {@code UTIME path atime mtime ctime UTC}; the second is
     * parsed from the right so that names with spaces work. Times are UTC.
     */
    static void utime(FtpSession session, String argument) throws IOException {
        String[] words = argument.split(" ");
        Instant time;
        String name;
        if (words.length >= 5 && words[words.length - 1].equalsIgnoreCase("UTC")) {
            time = FileCommands.parseTimestamp(words[words.length - 3]);
            int nameEnd = argument.length();
            for (int i = 0; i < 4; i++) {
                nameEnd = argument.lastIndexOf(' ', nameEnd - 1);
            }
            name = argument.substring(0, nameEnd);
        } else {
            int space = argument.indexOf(' ');
            time = space < 0 ? null : FileCommands.parseTimestamp(argument.substring(0, space));
            name = space < 0 ? "" : argument.substring(space + 1);
        }
        if (time == null || name.isEmpty()) {
            session.control().reply(501, "Usage: SITE UTIME YYYYMMDDhhmmss path");
            return;
        }
        if (FilePolicy.refuseAnonymousChange(session)) {
            return;
        }
        FileCommands.setModificationTime(session, name, time, "UTIME OK");
    }

    static void idle(FtpSession session, String argument) throws IOException {
        long seconds;
        try {
            seconds = Long.parseLong(argument.trim());
        } catch (NumberFormatException notANumber) {
            session.control().reply(501, "Garbage found after value : " + Replies.printable(argument));
            return;
        }
        if (seconds < 1 || seconds > MAX_IDLE.toSeconds()) {
            session.control().reply(501, "Value must be between 1 and " + MAX_IDLE.toSeconds());
            return;
        }
        session.idleTimeout(Duration.ofSeconds(seconds));
        session.control().reply(200, "Idle time set to " + seconds + " seconds");
    }
}
