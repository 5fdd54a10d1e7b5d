package dev.wharf.core.command;

import dev.wharf.core.data.DataChannel.DataConnectionException;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/** TYPE, MODE, STRU and the commands that set up data connections (PASV, EPSV, PORT, EPRT). */
final class TransferParameterCommands {

    /** Active connections to privileged ports are refused (FTP bounce attacks). */
    private static final int LOWEST_ACTIVE_PORT = 1024;

    private TransferParameterCommands() {
    }

    static void type(FtpSession session, String argument) throws IOException {
        String type = argument.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        switch (type) {
            case "A", "AN" -> {
                session.binary(false);
                session.control().reply(200, "TYPE is now ASCII");
            }
            case "I", "L8" -> {
                session.binary(true);
                session.control().reply(200, "TYPE is now 8-bit binary");
            }
            default -> session.control().reply(504, "Unknown TYPE: " + Replies.printable(argument.trim()));
        }
    }

    static void mode(FtpSession session, String argument) throws IOException {
        if (argument.trim().equalsIgnoreCase("S")) {
            session.control().reply(200, "S OK");
        } else {
            session.control().reply(504, "Please use S(tream) mode");
        }
    }

    static void stru(FtpSession session, String argument) throws IOException {
        if (argument.trim().equalsIgnoreCase("F")) {
            session.control().reply(200, "F OK");
        } else {
            session.control().reply(504, "Only F(ile) is supported");
        }
    }

    static void pasv(FtpSession session, String argument) throws IOException {
        if (refusedAfterEpsvAll(session)) {
            return;
        }
        InetAddress local = session.serverAddress().getAddress();
        if (!(local instanceof Inet4Address)) {
            session.control().reply(425, "You cannot use PASV on IPv6 connections. Use EPSV instead.");
            return;
        }
        int port = openPassive(session, local);
        if (port < 0) {
            return;
        }
        String shown = session.advertisedPassiveAddress() != null ? session.advertisedPassiveAddress()
                : local.getHostAddress();
        session.control().reply(227, "Entering Passive Mode (" + shown.replace('.', ',') + "," + (port >> 8) + ","
                + (port & 0xFF) + ")");
    }

    static void epsv(FtpSession session, String argument) throws IOException {
        String protocol = argument.trim();
        if (protocol.equalsIgnoreCase("ALL")) {
            session.extendedPassiveOnly(true);
            session.control().reply(200, "EPSV ALL OK: only EPSV will be accepted from now on");
            return;
        }
        InetAddress local = session.serverAddress().getAddress();
        String family = local instanceof Inet6Address ? "2" : "1";
        if (!protocol.isEmpty() && !protocol.equals(family)) {
            session.control().reply(522, "Network protocol not supported, use (" + family + ")");
            return;
        }
        int port = openPassive(session, local);
        if (port >= 0) {
            session.control().reply(229, "Extended Passive mode OK (|||" + port + "|)");
        }
    }

    /** Returns the passive port, or -1 after replying 425. */
    private static int openPassive(FtpSession session, InetAddress local) throws IOException {
        try {
            return session.data().openPassive(local);
        } catch (DataConnectionException busy) {
            session.control().reply(425, busy.getMessage());
        } catch (IOException failure) {
            session.control().reply(425, "Can't open a passive port: " + failure.getMessage());
        }
        return -1;
    }

    static void port(FtpSession session, String argument) throws IOException {
        if (refusedAfterEpsvAll(session)) {
            return;
        }
        String[] parts = argument.trim().split(",");
        InetSocketAddress target = null;
        if (parts.length == 6) {
            try {
                byte[] address = new byte[4];
                for (int i = 0; i < 4; i++) {
                    address[i] = (byte) byteValue(parts[i]);
                }
                int port = byteValue(parts[4]) << 8 | byteValue(parts[5]);
                target = new InetSocketAddress(InetAddress.getByAddress(address), port);
            } catch (NumberFormatException | UnknownHostException malformed) {
                target = null;
            }
        }
        setActive(session, target, "PORT");
    }

    static void eprt(FtpSession session, String argument) throws IOException {
        if (refusedAfterEpsvAll(session)) {
            return;
        }
        String text = argument.trim();
        InetSocketAddress target = null;
        if (text.length() > 2) {
            String[] fields = text.substring(1).split(java.util.regex.Pattern.quote(text.substring(0, 1)), -1);
            if (fields.length == 4 && fields[3].isEmpty()) {
                if (!fields[0].equals("1") && !fields[0].equals("2")) {
                    session.control().reply(522, "Only IPv4 and IPv6 are supported (1,2)");
                    return;
                }
                target = parseEprtTarget(fields[0], fields[1], fields[2]);
            }
        }
        setActive(session, target, "EPRT");
    }

    private static InetSocketAddress parseEprtTarget(String family, String host, String port) {
        try {
            boolean literalMatchesFamily = family.equals("1") ? host.matches("[0-9.]+") : host.contains(":");
            if (!literalMatchesFamily) {
                return null;
            }
            // a numeric literal only: getByName never does a DNS lookup for these
            InetAddress address = InetAddress.getByName(host);
            return new InetSocketAddress(address, Integer.parseInt(port));
        } catch (UnknownHostException | IllegalArgumentException malformed) {
            return null;
        }
    }

    private static void setActive(FtpSession session, InetSocketAddress target, String verb) throws IOException {
        if (target == null || target.getPort() == 0 || target.getAddress().isAnyLocalAddress()) {
            session.control().reply(501, "Syntax error in IP address");
            return;
        }
        if (target.getPort() < LOWEST_ACTIVE_PORT) {
            session.control().reply(501, "Sorry, but I won't connect to ports < " + LOWEST_ACTIVE_PORT);
            return;
        }
        InetAddress peer = session.clientAddress().getAddress();
        boolean fxp = !session.anonymous() && session.security().settings().fxpAllowed(session.account().name());
        if (!target.getAddress().equals(peer) && !fxp) {
            session.control().reply(500, "I won't open a connection to " + target.getAddress().getHostAddress()
                    + " (only to " + peer.getHostAddress() + ")");
            return;
        }
        session.data().setActive(target);
        session.control().reply(200, verb + " command successful");
    }

    private static boolean refusedAfterEpsvAll(FtpSession session) throws IOException {
        if (session.extendedPassiveOnly()) {
            session.control().reply(501, "Only EPSV is allowed after EPSV ALL");
            return true;
        }
        return false;
    }

    private static int byteValue(String text) {
        int value = Integer.parseInt(text.trim());
        if (value < 0 || value > 255) {
            throw new NumberFormatException(text);
        }
        return value;
    }
}
