package dev.wharf.core.command;

import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** STAT, REIN, ACCT and SMNT. */
final class StatusCommands {

    private StatusCommands() {
    }

    /** Without argument: the session's state; with one, a listing over the control connection. */
    static void stat(FtpSession session, String argument) throws IOException {
        if (!argument.isBlank()) {
            ListingCommands.statPath(session, argument);
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(" Connected to " + session.serverAddress().getAddress().getHostAddress() + " from "
                + session.clientAddress().getAddress().getHostAddress());
        lines.add(" Logged in as " + Replies.printable(session.account().name()));
        lines.add(" TYPE: " + (session.binary() ? "BINARY" : "ASCII") + ", STRUcture: File, MODE: Stream");
        lines.add(" Uploaded " + session.bytesUploaded() + " bytes, downloaded " + session.bytesDownloaded()
                + " bytes");
        lines.add(session.data().isReady() ? " Data connection ready (" + (session.data().isPassive()
                ? "passive" : "active") + ")" : " No data connection");
        session.control().replyBlock(211, "FTP server status:", lines, "End of status");
    }

    /** REIN: back to the state right after the greeting. */
    static void rein(FtpSession session, String argument) throws IOException {
        session.logOut();
        session.control().reply(220, "Service ready for new user");
    }

    static void acct(FtpSession session, String argument) throws IOException {
        session.control().reply(202, "Command not implemented, superfluous at this site");
    }

    static void smnt(FtpSession session, String argument) throws IOException {
        session.control().reply(502, "SMNT is not supported");
    }
}
