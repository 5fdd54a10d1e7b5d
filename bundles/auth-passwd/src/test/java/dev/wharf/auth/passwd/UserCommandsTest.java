package dev.wharf.auth.passwd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.wharf.crypt.PasswordHashes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Gogo commands read the shell's input and print to its output (Gogo's per-session System.in/out). */
class UserCommandsTest {

    @TempDir
    Path temp;

    @Test
    void gogoCommandsEditTheConfiguredFile() throws Exception {
        UserCommands commands = new UserCommands();
        commands.configure(temp.toString(), UserAdminTest.config(PasswdAuthBackend.HOME_VARIABLE + "/users.passwd"));
        Path file = temp.resolve("users.passwd");

        String output = withConsole("secret\nsecret\n", () -> commands.useradd("kim", "-u", "1005", "-g", "1005",
                "-d", "/srv/ftp/kim", "-y", "2"));
        assertTrue(output.contains("Password: ") && output.contains("Enter it again: "), output);
        PasswdEntry kim = PasswdFile.read(file).get("kim");
        assertEquals("/srv/ftp/kim/./", kim.home());
        assertEquals(2, kim.maxSessions());
        assertTrue(new dev.wharf.crypt.PasswordChecker().verify(kim.passwordHash(), "secret"));

        assertEquals("kim\t/srv/ftp/kim/./\t\n", withConsole("", commands::list));
        assertTrue(withConsole("", () -> commands.show("nobody")).contains("Unable to fetch info about user [nobody]"));
        withConsole("", () -> commands.userdel("kim"));
        assertTrue(PasswdFile.read(file).isEmpty());
    }

    private static String withConsole(String input, Runnable command) {
        InputStream in = System.in;
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            command.run();
        } finally {
            System.setIn(in);
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
