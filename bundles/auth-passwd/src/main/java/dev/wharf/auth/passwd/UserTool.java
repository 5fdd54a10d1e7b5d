package dev.wharf.auth.passwd;

import dev.wharf.auth.passwd.UserAdmin.AdminException;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code bin/wharf user <command> …}: pure-pw for Wharf's passwd file, usable while the server runs (edits are
 * locked and atomic, the server re-reads the file within a second). The file is {@code -f}, else
 * {@code $WHARF_PASSWD_FILE} (set by bin/wharf from etc/dev.wharf.auth.passwd.cfg), else {@code $PURE_PASSWDFILE}.
 */
public final class UserTool {

    private UserTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0) {
            System.err.println(UserAdmin.USAGE);
            return 2;
        }
        String file = System.getenv("WHARF_PASSWD_FILE");
        if (file == null || file.isEmpty()) {
            file = System.getenv("PURE_PASSWDFILE");
        }
        if (file == null || file.isEmpty()) {
            file = "var/pureftpd.passwd";
        }
        UserAdmin admin = new UserAdmin(Path.of(file), System.out, passwordPrompt());
        try {
            admin.run(args[0], Arrays.asList(args).subList(1, args.length));
            return 0;
        } catch (AdminException refused) {
            System.err.println(refused.getMessage());
            return 1;
        } catch (IOException failed) {
            System.err.println("error: " + failed);
            return 1;
        }
    }

    /** No echo on a terminal; otherwise one line per answer from stdin, as pure-pw reads a pipe. */
    static UserAdmin.PasswordPrompt passwordPrompt() {
        Console console = System.console();
        if (console != null && Boolean.getBoolean("wharf.tty")) { // bin/wharf sets it when stdin is a tty
            return prompt -> {
                char[] answer = console.readPassword("%s", prompt);
                return answer == null ? null : new String(answer);
            };
        }
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return prompt -> {
            System.out.print(prompt);
            System.out.flush();
            String line = input.readLine();
            System.out.println();
            return line;
        };
    }
}
