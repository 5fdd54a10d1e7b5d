package dev.wharf.core.command;

import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every FTP command the server knows, in one place: its name, whether it needs a login, whether it takes an
 * argument, its help text and the method that runs it. To add a command, add a line here.
 */
public final class CommandTable {

    /** What a command does with its argument; {@link #REQUIRED} gets {@code 501} when none is given. */
    public enum Argument { NONE, OPTIONAL, REQUIRED }

    /** Runs one command; replies through {@code session.control()}. */
    @FunctionalInterface
    public interface Handler {
        void handle(FtpSession session, String argument) throws IOException;
    }

    public record Command(String name, boolean needsLogin, Argument argument, String help, Handler handler) {
    }

    private static final boolean LOGIN = true;
    private static final boolean ANYONE = false;

    public static final CommandTable STANDARD = new CommandTable()
            // login and session
            .add("HOST", ANYONE, Argument.REQUIRED, "<sp> host name (before USER)", LoginCommands::host)
            .add("USER", ANYONE, Argument.REQUIRED, "<sp> username", LoginCommands::user)
            .add("PASS", ANYONE, Argument.OPTIONAL, "<sp> password", LoginCommands::pass)
            .add("ACCT", ANYONE, Argument.OPTIONAL, "(not needed here)", StatusCommands::acct)
            .add("REIN", LOGIN, Argument.NONE, "(log out, keep the connection)", StatusCommands::rein)
            .add("QUIT", ANYONE, Argument.NONE, "(end the session)", LoginCommands::quit)
            // TLS (RFC 4217)
            .add("AUTH", ANYONE, Argument.REQUIRED, "<sp> TLS", TlsCommands::auth)
            .add("PBSZ", ANYONE, Argument.REQUIRED, "<sp> 0", TlsCommands::pbsz)
            .add("PROT", ANYONE, Argument.REQUIRED, "<sp> C | P", TlsCommands::prot)
            .add("CCC", ANYONE, Argument.NONE, "(refused: the control connection stays encrypted)", TlsCommands::ccc)
            // information
            .add("SYST", ANYONE, Argument.NONE, "(system type)", InfoCommands::syst)
            .add("FEAT", ANYONE, Argument.NONE, "(list extensions)", InfoCommands::feat)
            .add("OPTS", ANYONE, Argument.REQUIRED, "<sp> UTF8 ON | MLST facts", InfoCommands::opts)
            .add("HELP", ANYONE, Argument.OPTIONAL, "[<sp> command]", InfoCommands::help)
            .add("NOOP", ANYONE, Argument.NONE, "(do nothing)", InfoCommands::noop)
            .add("STAT", LOGIN, Argument.OPTIONAL, "[<sp> path]", StatusCommands::stat)
            .add("SITE", LOGIN, Argument.REQUIRED, "<sp> CHMOD | UTIME | IDLE | TIME | HELP", SiteCommands::site)
            .add("SMNT", LOGIN, Argument.OPTIONAL, "(not supported)", StatusCommands::smnt)
            // transfer parameters and data connections
            .add("TYPE", ANYONE, Argument.REQUIRED, "<sp> A | I", TransferParameterCommands::type)
            .add("MODE", ANYONE, Argument.REQUIRED, "<sp> S", TransferParameterCommands::mode)
            .add("STRU", ANYONE, Argument.REQUIRED, "<sp> F", TransferParameterCommands::stru)
            .add("PASV", LOGIN, Argument.NONE, "(passive data connection)", TransferParameterCommands::pasv)
            .add("EPSV", LOGIN, Argument.OPTIONAL, "[<sp> 1 | 2 | ALL]", TransferParameterCommands::epsv)
            .add("PORT", LOGIN, Argument.REQUIRED, "<sp> h1,h2,h3,h4,p1,p2", TransferParameterCommands::port)
            .add("EPRT", LOGIN, Argument.REQUIRED, "<sp> |af|address|port|", TransferParameterCommands::eprt)
            .add("PRET", LOGIN, Argument.REQUIRED, "<sp> command", FileCommands::pret)
            .add("REST", LOGIN, Argument.REQUIRED, "<sp> offset", FileCommands::rest)
            .add("ABOR", LOGIN, Argument.NONE, "(abort the transfer)", FileCommands::abor)
            // directories and listings
            .add("PWD", LOGIN, Argument.NONE, "(print directory)", DirectoryCommands::pwd)
            .add("XPWD", LOGIN, Argument.NONE, "(print directory)", DirectoryCommands::pwd)
            .add("CWD", LOGIN, Argument.OPTIONAL, "[<sp> directory]", DirectoryCommands::cwd)
            .add("XCWD", LOGIN, Argument.OPTIONAL, "[<sp> directory]", DirectoryCommands::cwd)
            .add("CDUP", LOGIN, Argument.NONE, "(parent directory)", DirectoryCommands::cdup)
            .add("XCUP", LOGIN, Argument.NONE, "(parent directory)", DirectoryCommands::cdup)
            .add("MKD", LOGIN, Argument.REQUIRED, "<sp> directory", DirectoryCommands::mkd)
            .add("XMKD", LOGIN, Argument.REQUIRED, "<sp> directory", DirectoryCommands::mkd)
            .add("RMD", LOGIN, Argument.REQUIRED, "<sp> directory", DirectoryCommands::rmd)
            .add("XRMD", LOGIN, Argument.REQUIRED, "<sp> directory", DirectoryCommands::rmd)
            .add("LIST", LOGIN, Argument.OPTIONAL, "[<sp> -alR1CFdrtS] [<sp> path or glob]", ListingCommands::list)
            .add("NLST", LOGIN, Argument.OPTIONAL, "[<sp> path or glob]", ListingCommands::nlst)
            .add("MLSD", LOGIN, Argument.OPTIONAL, "[<sp> directory]", ListingCommands::mlsd)
            .add("MLST", LOGIN, Argument.OPTIONAL, "[<sp> path]", ListingCommands::mlst)
            // files
            .add("RETR", LOGIN, Argument.REQUIRED, "<sp> file", FileCommands::retr)
            .add("STOR", LOGIN, Argument.REQUIRED, "<sp> file", FileCommands::stor)
            .add("APPE", LOGIN, Argument.REQUIRED, "<sp> file", FileCommands::appe)
            .add("STOU", LOGIN, Argument.OPTIONAL, "[<sp> name hint]", FileCommands::stou)
            .add("ALLO", LOGIN, Argument.OPTIONAL, "<sp> size", FileCommands::allo)
            .add("DELE", LOGIN, Argument.REQUIRED, "<sp> file", FileCommands::dele)
            .add("RNFR", LOGIN, Argument.REQUIRED, "<sp> path", FileCommands::rnfr)
            .add("RNTO", LOGIN, Argument.REQUIRED, "<sp> path", FileCommands::rnto)
            .add("SIZE", LOGIN, Argument.REQUIRED, "<sp> file", FileCommands::size)
            .add("MDTM", LOGIN, Argument.REQUIRED, "<sp> file", FileCommands::mdtm)
            .add("MFMT", LOGIN, Argument.REQUIRED, "<sp> YYYYMMDDHHMMSS path", FileCommands::mfmt);

    /** Commands that reach the session's storage: refused with 421 once its provider is gone. */
    private static final java.util.Set<String> STORAGE_VERBS = java.util.Set.of("STAT", "SITE", "PRET", "CWD",
            "XCWD", "CDUP", "XCUP", "MKD", "XMKD", "RMD", "XRMD", "LIST", "NLST", "MLSD", "MLST", "RETR", "STOR",
            "APPE", "STOU", "DELE", "RNFR", "RNTO", "SIZE", "MDTM", "MFMT");

    private final Map<String, Command> commands = new LinkedHashMap<>();

    /** Whether {@code verb} (upper case) works on the session's storage. */
    public static boolean usesStorage(String verb) {
        return STORAGE_VERBS.contains(verb);
    }

    private CommandTable add(String name, boolean needsLogin, Argument argument, String help, Handler handler) {
        commands.put(name, new Command(name, needsLogin, argument, help, handler));
        return this;
    }

    /** The command for an upper-case verb, or {@code null}. */
    public Command lookup(String verb) {
        return commands.get(verb);
    }

    public Collection<Command> all() {
        return Collections.unmodifiableCollection(commands.values());
    }
}
