package dev.wharf.core.command;

import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.core.command.CommandTable.Command;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** SYST, FEAT, OPTS, HELP, NOOP. */
final class InfoCommands {

    private static final List<String> FEATURES = List.of(" EPRT", " EPSV", " HOST", " MDTM", " MFMT",
            " MLST type*;size*;modify*;perm*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;", " PASV", " PRET",
            " REST STREAM", " SIZE", " TVFS", " UTF8");
    /** The MLST facts in the order FEAT and OPTS MLST name them. */
    private static final List<String> FACT_NAMES = List.of("type", "size", "modify", "perm", "UNIX.mode",
            "UNIX.uid", "UNIX.gid", "unique");

    private InfoCommands() {
    }

    static void syst(FtpSession session, String argument) throws IOException {
        session.control().reply(215, "UNIX Type: L8");
    }

    /**
     * Before login every extension is listed (the storage depends on the account); after login only what the
     * session's storage supports: no MFMT without {@link StorageCapability#SET_TIMES}, no {@code UNIX.*} facts
     * without {@link StorageCapability#POSIX_PERMISSIONS}. REST STREAM stays: RETR can resume on every storage.
     */
    static void feat(FtpSession session, String argument) throws IOException {
        List<String> features = new ArrayList<>();
        if (session.tlsEngine() != null) {
            features.addAll(List.of(" AUTH TLS", " PBSZ", " PROT"));
        }
        Storage storage = session.isLoggedIn() ? session.files().storage() : null;
        for (String feature : FEATURES) {
            if (storage != null && feature.equals(" MFMT") && !storage.can(StorageCapability.SET_TIMES)) {
                continue;
            }
            if (feature.startsWith(" MLST ")) {
                Set<String> supported = session.supportedMachineFacts();
                StringBuilder facts = new StringBuilder(" MLST ");
                for (String fact : FACT_NAMES) {
                    if (supported.contains(fact.toLowerCase(Locale.ROOT))) {
                        facts.append(fact).append("*;");
                    }
                }
                feature = facts.toString();
            }
            features.add(feature);
        }
        session.control().replyBlock(211, "Extensions supported:", features, "End.");
    }

    /** Commands HELP leaves out for a session whose storage cannot do them. */
    static boolean unsupported(FtpSession session, String verb) {
        if (!session.isLoggedIn()) {
            return false;
        }
        Storage storage = session.files().storage();
        return switch (verb) {
            case "APPE" -> !storage.can(StorageCapability.APPEND);
            case "MFMT" -> !storage.can(StorageCapability.SET_TIMES);
            default -> false;
        };
    }

    /** Names are always UTF-8, so {@code OPTS UTF8 ON} simply confirms it (RFC 2640). */
    static void opts(FtpSession session, String argument) throws IOException {
        String option = argument.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
        if (option.equals("UTF8 ON") || option.equals("UTF8")) {
            session.control().reply(200, "OK, UTF-8 enabled");
        } else if (option.startsWith("MLST")) {
            optsMlst(session, argument.trim().substring(4).trim());
        } else if (option.equals("UTF8 OFF")) {
            session.control().reply(504, "UTF-8 cannot be turned off");
        } else {
            session.control().reply(501, "Unknown option " + Replies.printable(argument.trim()));
        }
    }

    /** OPTS MLST fact;fact;… chooses the facts MLST and MLSD send; unknown names are ignored (RFC 3659 7.9). */
    private static void optsMlst(FtpSession session, String requested) throws IOException {
        Set<String> chosen = new LinkedHashSet<>();
        for (String fact : requested.split(";")) {
            String name = fact.trim().toLowerCase(Locale.ROOT);
            if (session.supportedMachineFacts().contains(name)) {
                chosen.add(name);
            }
        }
        session.machineFacts(chosen);
        StringBuilder reply = new StringBuilder("MLST OPTS ");
        for (String fact : FACT_NAMES) {
            if (chosen.contains(fact.toLowerCase(Locale.ROOT))) {
                reply.append(fact).append(';');
            }
        }
        session.control().reply(200, reply.toString());
    }

    static void help(FtpSession session, String argument) throws IOException {
        if (!argument.isBlank()) {
            Command command = CommandTable.STANDARD.lookup(argument.trim().toUpperCase(Locale.ROOT));
            if (command == null) {
                session.control().reply(502, "Unknown command " + Replies.printable(argument.trim()));
            } else if (unsupported(session, command.name())) {
                session.control().reply(214, command.name() + " is not supported by this storage");
            } else {
                session.control().reply(214, "Syntax: " + command.name() + " " + command.help());
            }
            return;
        }
        List<String> lines = new ArrayList<>();
        StringBuilder row = new StringBuilder(" ");
        for (Command command : CommandTable.STANDARD.all()) {
            if (unsupported(session, command.name())) {
                continue;
            }
            if (row.length() > 64) {
                lines.add(row.toString());
                row.setLength(0);
                row.append(' ');
            }
            row.append(String.format(Locale.ROOT, "%-6s", command.name()));
        }
        lines.add(row.toString());
        session.control().replyBlock(214, "The following commands are recognized.", lines, "Help OK.");
    }

    static void noop(FtpSession session, String argument) throws IOException {
        session.control().reply(200, "Zzz...");
    }
}
