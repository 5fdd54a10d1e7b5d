package dev.wharf.auth.passwd;

import dev.wharf.auth.passwd.PasswdEntry.MalformedLineException;
import dev.wharf.crypt.PasswordHashes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code pure-pw} commands on a {@code pureftpd.passwd} file: useradd, usermod, userdel, passwd, show, list,
 * with pure-pw's options and units (-t/-T KB/s, -N MB; an empty value removes a setting). Used by
 * {@code bin/wharf user} and by the Gogo commands. New passwords are hashed with argon2id.
 */
final class UserAdmin {

    /** Asks for a password without echo where the terminal allows; null when there is no input. */
    interface PasswordPrompt {
        String ask(String prompt) throws IOException;
    }

    /** A user error: printed as is, exit status 1. */
    static final class AdminException extends Exception {
        private static final long serialVersionUID = 1L;

        AdminException(String message) {
            super(message);
        }
    }

    static final String USAGE = """
            usage: user useradd <login> -u <uid|user> [-g <gid|group>] -d|-D <home> [options]
                   user usermod <login> [options]
                   user userdel <login>
                   user passwd <login>
                   user show <login>
                   user list
            options: -c gecos  -t download KB/s  -T upload KB/s  -q upload ratio  -Q download ratio
                     -n max files  -N max MB  -y max sessions  -i/-I allowed/denied local IPs
                     -r/-R allowed/denied client IPs  -z hhmm-hhmm  -f passwd file
                     -d home adds /./ (chroot), -D does not; an empty value ('') removes a setting""";

    private static final Set<String> VALUE_OPTIONS = Set.of("-f", "-F", "-u", "-g", "-c", "-d", "-D", "-t", "-T",
            "-q", "-Q", "-y", "-n", "-N", "-i", "-I", "-r", "-R", "-z", "-C", "-M");

    private final Path defaultFile;
    private final PrintStream out;
    private final PasswordPrompt prompt;
    private final Path systemPasswd;
    private final Path systemGroup;

    UserAdmin(Path defaultFile, PrintStream out, PasswordPrompt prompt) {
        this(defaultFile, out, prompt, Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    UserAdmin(Path defaultFile, PrintStream out, PasswordPrompt prompt, Path systemPasswd, Path systemGroup) {
        this.defaultFile = defaultFile;
        this.out = out;
        this.prompt = prompt;
        this.systemPasswd = systemPasswd;
        this.systemGroup = systemGroup;
    }

    /** Runs one command; the arguments are everything after the command name. */
    void run(String command, List<String> arguments) throws AdminException, IOException {
        String login = null;
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            if (VALUE_OPTIONS.contains(argument)) {
                if (i + 1 >= arguments.size()) {
                    throw new AdminException("option " + argument + " needs a value");
                }
                options.put(argument, arguments.get(++i));
            } else if (argument.equals("-m")) {
                // pure-pw's "run mkdb": Wharf reads the text file directly, nothing to do
            } else if (argument.startsWith("-")) {
                throw new AdminException("unknown option " + argument + "\n" + USAGE);
            } else if (login == null) {
                login = argument;
            } else {
                throw new AdminException("unexpected argument '" + argument + "'\n" + USAGE);
            }
        }
        Path file = options.containsKey("-f") ? Path.of(options.get("-f")) : defaultFile;
        if (command.equals("list")) {
            list(file);
            return;
        }
        if (login == null) {
            throw new AdminException("missing login\n" + USAGE);
        }
        if (login.isEmpty() || login.matches(".*[:\\s].*")) {
            throw new AdminException("a login must not be empty or contain ':' or white space");
        }
        switch (command) {
            case "useradd" -> useradd(file, login, options);
            case "usermod" -> usermod(file, login, options);
            case "userdel" -> userdel(file, login);
            case "passwd" -> passwd(file, login);
            case "show" -> show(file, login);
            default -> throw new AdminException("unknown command '" + command + "'\n" + USAGE);
        }
    }

    private void useradd(Path file, String login, Map<String, String> options) throws AdminException, IOException {
        if (!options.containsKey("-d") && !options.containsKey("-D")) {
            throw new AdminException("useradd needs a home directory (-d or -D)");
        }
        PasswdEntry blank = new PasswdEntry(login, "", 0, 0, "", "/", 0, 0, 0, 0, 0, 0, 0, "", "", "", "", "");
        PasswdEntry entry = applyOptions(blank, options);
        if (entry.uid() <= 0 || entry.gid() <= 0) {
            throw new AdminException("You must give (non-root) uid and gid");
        }
        if (find(file, login) != null) {
            throw new AdminException("user [" + login + "] already exists in [" + file + "]");
        }
        PasswdEntry withPassword = withHash(entry, PasswordHashes.argon2id(askNewPassword()));
        change(file, login, lines -> {
            if (lines.stream().anyMatch(line -> login.equals(PasswdFile.accountOf(line)))) {
                throw new IllegalStateException("user [" + login + "] already exists in [" + file + "]");
            }
            lines.add(withPassword.toLine());
            return lines;
        });
    }

    private void usermod(Path file, String login, Map<String, String> options) throws AdminException, IOException {
        PasswdEntry current = existing(file, login);
        PasswdEntry changed = applyOptions(current, options);
        if (changed.uid() <= 0 || changed.gid() <= 0) {
            throw new AdminException("You must give (non-root) uid and gid");
        }
        replaceLine(file, login, existing -> applyOptionsUnchecked(existing, options));
    }

    private void passwd(Path file, String login) throws AdminException, IOException {
        existing(file, login);
        String hash = PasswordHashes.argon2id(askNewPassword());
        replaceLine(file, login, existing -> withHash(existing, hash));
    }

    private void userdel(Path file, String login) throws AdminException, IOException {
        existing(file, login);
        change(file, login, lines -> {
            lines.removeIf(line -> login.equals(PasswdFile.accountOf(line)));
            return lines;
        });
    }

    private void show(Path file, String login) throws AdminException, IOException {
        PasswdEntry entry = existing(file, login);
        out.println();
        out.println("Login              : " + entry.user());
        out.println("Password           : " + entry.passwordHash());
        out.println("UID                : " + entry.uid());
        out.println("GID                : " + entry.gid());
        out.println("Directory          : " + entry.home());
        out.println("Full name          : " + entry.gecos());
        out.println("Download bandwidth : " + entry.downloadBandwidth() / 1024 + " Kb ("
                + enabled(entry.downloadBandwidth()) + ")");
        out.println("Upload   bandwidth : " + entry.uploadBandwidth() / 1024 + " Kb ("
                + enabled(entry.uploadBandwidth()) + ")");
        out.println("Max files          : " + entry.quotaFiles() + " (" + enabled(entry.quotaFiles()) + ")");
        out.println("Max size           : " + entry.quotaBytes() / 1_048_576 + " Mb ("
                + enabled(entry.quotaBytes()) + ")");
        out.println("Ratio              : " + entry.uploadRatio() + ":" + entry.downloadRatio() + " ("
                + enabled(entry.uploadRatio()) + ":" + enabled(entry.downloadRatio()) + ")");
        out.println("Allowed local  IPs : " + entry.allowedLocalIps());
        out.println("Denied  local  IPs : " + entry.deniedLocalIps());
        out.println("Allowed client IPs : " + entry.allowedClientIps());
        out.println("Denied  client IPs : " + entry.deniedClientIps());
        out.println("Time restrictions  : " + (entry.timeRestriction().isEmpty() ? "0000-0000 (unlimited)"
                : entry.timeRestriction() + " (enabled)"));
        out.println("Max sim sessions   : " + entry.maxSessions() + " (" + enabled(entry.maxSessions()) + ")");
        out.println();
    }

    private void list(Path file) throws IOException {
        for (PasswdEntry entry : PasswdFile.read(file).values()) {
            out.println(entry.user() + "\t" + entry.home() + "\t" + entry.gecos());
        }
    }

    private static String enabled(long value) {
        return value == 0 ? "unlimited" : "enabled";
    }

    private String askNewPassword() throws AdminException, IOException {
        String first = prompt.ask("Password: ");
        if (first == null) {
            throw new AdminException("Error with entering password - aborting");
        }
        String second = prompt.ask("Enter it again: ");
        if (!first.equals(second)) {
            throw new AdminException("You didn't enter the same password");
        }
        return first;
    }

    private PasswdEntry existing(Path file, String login) throws AdminException, IOException {
        PasswdEntry entry = find(file, login);
        if (entry == null) {
            throw new AdminException("Unable to fetch info about user [" + login + "] in file [" + file + "]");
        }
        return entry;
    }

    private static PasswdEntry find(Path file, String login) throws IOException {
        return PasswdFile.read(file).get(login);
    }

    private interface EntryChange {
        PasswdEntry apply(PasswdEntry entry);
    }

    /** Re-reads the line under the lock, so a concurrent edit of other fields or other users is kept. */
    private void replaceLine(Path file, String login, EntryChange change) throws AdminException, IOException {
        change(file, login, lines -> {
            for (int i = 0; i < lines.size(); i++) {
                if (login.equals(PasswdFile.accountOf(lines.get(i)))) {
                    try {
                        lines.set(i, change.apply(PasswdEntry.parse(lines.get(i).strip())).toLine());
                    } catch (MalformedLineException malformed) {
                        throw new IllegalStateException("the line of [" + login + "] is malformed: "
                                + malformed.getMessage());
                    }
                    return lines;
                }
            }
            throw new IllegalStateException("Unable to fetch info about user [" + login + "] in file [" + file + "]");
        });
    }

    private static void change(Path file, String login, java.util.function.UnaryOperator<List<String>> change)
            throws AdminException, IOException {
        try {
            PasswdFile.edit(file, change);
        } catch (IllegalStateException refused) {
            throw new AdminException(refused.getMessage());
        }
    }

    private static PasswdEntry withHash(PasswdEntry e, String hash) {
        return new PasswdEntry(e.user(), hash, e.uid(), e.gid(), e.gecos(), e.home(), e.uploadBandwidth(),
                e.downloadBandwidth(), e.uploadRatio(), e.downloadRatio(), e.maxSessions(), e.quotaFiles(),
                e.quotaBytes(), e.allowedLocalIps(), e.deniedLocalIps(), e.allowedClientIps(), e.deniedClientIps(),
                e.timeRestriction());
    }

    private PasswdEntry applyOptionsUnchecked(PasswdEntry entry, Map<String, String> options) {
        try {
            return applyOptions(entry, options);
        } catch (AdminException | IOException checkedBefore) {
            throw new IllegalStateException(checkedBefore.getMessage());
        }
    }

    /** The entry with every given option applied; options not given keep their value. */
    PasswdEntry applyOptions(PasswdEntry e, Map<String, String> options) throws AdminException, IOException {
        int uid = e.uid();
        int gid = e.gid();
        if (options.containsKey("-u")) {
            String user = options.get("-u");
            if (user.matches("\\d+")) {
                uid = parseInt(user, "-u");
            } else {
                String[] account = systemEntry(systemPasswd, user, "user");
                uid = parseInt(account[2], "-u");
                gid = parseInt(account[3], "-u"); // pure-pw takes the gid from the named user
            }
        }
        if (options.containsKey("-g")) {
            String group = options.get("-g");
            gid = group.matches("\\d+") ? parseInt(group, "-g")
                    : parseInt(systemEntry(systemGroup, group, "group")[2], "-g");
        }
        String home = e.home();
        if (options.containsKey("-d")) {
            home = absolute(options.get("-d"));
            home = home.contains("/./") ? home : (home.endsWith("/") ? home : home + "/") + "./";
        } else if (options.containsKey("-D")) {
            home = absolute(options.get("-D"));
        }
        String time = option(options, "-z", e.timeRestriction());
        if (!time.isEmpty()) {
            try {
                AccessRules.timePermitted(java.time.LocalTime.NOON, time);
            } catch (AccessRules.BadRuleException bad) {
                throw new AdminException(bad.getMessage());
            }
            String[] ends = time.split("-");
            time = Integer.parseInt(ends[0]) + "-" + Integer.parseInt(ends[1]); // as pure-pw: 0900 -> 900
        }
        String gecos = option(options, "-c", e.gecos());
        if (gecos.contains(":") || gecos.contains("\n")) {
            throw new AdminException("the gecos field must not contain ':'");
        }
        return new PasswdEntry(e.user(), e.passwordHash(), uid, gid, gecos, home,
                scaled(options, "-T", e.uploadBandwidth(), 1024), scaled(options, "-t", e.downloadBandwidth(), 1024),
                (int) scaled(options, "-q", e.uploadRatio(), 1), (int) scaled(options, "-Q", e.downloadRatio(), 1),
                (int) scaled(options, "-y", e.maxSessions(), 1), scaled(options, "-n", e.quotaFiles(), 1),
                scaled(options, "-N", e.quotaBytes(), 1_048_576),
                ips(options, "-i", e.allowedLocalIps()), ips(options, "-I", e.deniedLocalIps()),
                ips(options, "-r", e.allowedClientIps()), ips(options, "-R", e.deniedClientIps()), time);
    }

    /**
     * IPv6 lists hold ':' but the file uses ':' between fields: like Pure-FTPd, such a list cannot be stored in
     * the text file.
     */
    private static String ips(Map<String, String> options, String flag, String current) throws AdminException {
        String value = option(options, flag, current);
        if (value.contains(":") || value.contains("\n")) {
            throw new AdminException(flag + ": an address list in the passwd file cannot hold ':' (IPv6)");
        }
        return value;
    }

    private static String option(Map<String, String> options, String flag, String current) {
        return options.getOrDefault(flag, current);
    }

    private static long scaled(Map<String, String> options, String flag, long current, long unit)
            throws AdminException {
        if (!options.containsKey(flag)) {
            return current;
        }
        String value = options.get(flag);
        if (value.isEmpty()) {
            return 0;
        }
        try {
            long number = Long.parseLong(value);
            if (number < 0 || number > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(number, unit);
        } catch (NumberFormatException | ArithmeticException bad) {
            throw new AdminException(flag + " needs a non-negative number, not '" + value + "'");
        }
    }

    private static int parseInt(String value, String flag) throws AdminException {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException bad) {
            throw new AdminException(flag + " needs a number or a known name, not '" + value + "'");
        }
    }

    private static String absolute(String home) throws AdminException {
        if (!home.startsWith("/") || home.contains(":") || home.contains("\n")) {
            throw new AdminException("the home directory must be an absolute path without ':'");
        }
        return home;
    }

    private static String[] systemEntry(Path file, String name, String what) throws AdminException, IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException missing) {
            lines = new ArrayList<>();
        }
        for (String line : lines) {
            String[] fields = line.split(":", -1);
            if (fields.length >= 3 && fields[0].equals(name) && (fields.length >= 4 || what.equals("group"))) {
                return fields;
            }
        }
        throw new AdminException("unknown " + what + " '" + name + "'");
    }
}
