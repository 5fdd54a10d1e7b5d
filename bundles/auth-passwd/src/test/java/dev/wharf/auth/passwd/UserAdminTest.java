package dev.wharf.auth.passwd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.auth.passwd.UserAdmin.AdminException;
import dev.wharf.core.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserAdminTest {

    private static final List<String> ALL_OPTIONS = List.of("-u", "1001", "-g", "1002", "-c", "Joe X",
            "-d", "/srv/ftp/joe", "-t", "10", "-T", "20", "-q", "1", "-Q", "2", "-y", "3", "-n", "100", "-N", "5",
            "-i", "127.0.0.1", "-I", "10.0.0.0/8", "-r", "192.168.0.0/16", "-R", "1.2.3.4", "-z", "0900-1800");

    @TempDir
    Path temp;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @Test
    void useraddWritesEveryFieldAsPurePwDoes() throws Exception {
        Path file = temp.resolve("pureftpd.passwd");
        admin(file, "pw1", "pw1").run("useradd", withLogin("joe", ALL_OPTIONS));
        String[] fields = Files.readString(file).strip().split(":", -1);
        assertEquals(List.of("joe", "1001", "1002", "Joe X", "/srv/ftp/joe/./", "20480", "10240", "1", "2", "3",
                "100", "5242880", "127.0.0.1", "10.0.0.0/8", "192.168.0.0/16", "1.2.3.4", "900-1800"),
                without(fields, 1));
        assertTrue(fields[1].startsWith("$argon2id$"), "new passwords are argon2id");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file)));
    }

    /** The same command through Debian's pure-pw gives the same line, apart from the salted hash. */
    @Test
    void sameLineAsDebiansPurePw() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/pure-pw")), "pure-pw (package pure-ftpd-common) missing");
        Path theirs = temp.resolve("theirs.passwd");
        List<String> command = new ArrayList<>(List.of("pure-pw", "useradd", "joe", "-f", theirs.toString()));
        command.addAll(ALL_OPTIONS);
        run(command, "pw1\npw1\n");
        Path ours = temp.resolve("ours.passwd");
        admin(ours, "pw1", "pw1").run("useradd", withLogin("joe", ALL_OPTIONS));
        assertEquals(without(Files.readString(theirs).strip().split(":", -1), 1),
                without(Files.readString(ours).strip().split(":", -1), 1));

        // and their usermod reads our file; our usermod reads theirs (empty value removes a setting)
        run(List.of("pure-pw", "usermod", "joe", "-f", ours.toString(), "-n", "", "-D", "/srv/x"), "");
        admin(theirs).run("usermod", List.of("joe", "-n", "", "-D", "/srv/x"));
        assertEquals(without(Files.readString(theirs).strip().split(":", -1), 1),
                without(Files.readString(ours).strip().split(":", -1), 1));
        assertEquals("", Files.readString(ours).split(":", -1)[11]);
    }

    /** A user added by the real pure-pw logs in over FTP, and our passwd/userdel change what the server sees. */
    @Test
    void purePwAccountLogsInAndEditsReachTheRunningServer() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/pure-pw")), "pure-pw (package pure-ftpd-common) missing");
        Path file = temp.resolve("pureftpd.passwd");
        Path home = Files.createDirectories(temp.resolve("home/joe"));
        Files.writeString(home.resolve("hello.txt"), "hi");
        run(List.of("pure-pw", "useradd", "joe", "-f", file.toString(), "-u", "1001", "-g", "1001",
                "-D", home.toString()), "s3cret\ns3cret\n");
        PasswdAuthBackend backend = new PasswdAuthBackend(new dev.wharf.crypt.PasswordChecker());
        backend.configure(temp.toString(), config(file.toString()));
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "passwd", 0);
            FTPClient client = server.login("joe", "s3cret");
            assertEquals(List.of("hello.txt"), Arrays.asList(client.listNames()));
            client.disconnect();

            admin(file, "n3w-pass", "n3w-pass").run("passwd", List.of("joe"));
            Thread.sleep(1100); // the backend looks at the file at most once a second
            assertThrows(IOException.class, () -> server.login("joe", "s3cret"));
            server.login("joe", "n3w-pass").disconnect();

            admin(file).run("userdel", List.of("joe"));
            Thread.sleep(1100);
            IOException gone = assertThrows(IOException.class, () -> server.login("joe", "n3w-pass"));
            assertTrue(gone.getMessage().contains("530"), gone.getMessage());
        }
    }

    /** A traditional DES crypt(3) hash (13 characters), as Pure-FTPd accepts through libc, logs in over FTP. */
    @Test
    void mkpasswdDesHashLogsIn() throws Exception {
        String hash = run(List.of("mkpasswd", "-m", "descrypt", "-S", "w5", "sesame12"), "").strip();
        assertEquals(13, hash.length(), hash);
        Path file = temp.resolve("pureftpd.passwd");
        Path home = Files.createDirectories(temp.resolve("des"));
        Files.writeString(file, "des:" + hash + ":1001:1001::" + home + "::::::::::::\n");
        PasswdAuthBackend backend = new PasswdAuthBackend(new dev.wharf.crypt.PasswordChecker());
        backend.configure(temp.toString(), config(file.toString()));
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "passwd", 0);
            FTPClient client = server.login("des", "sesame12");
            assertTrue(client.storeFile("up.bin", new ByteArrayInputStream(new byte[] {1, 2, 3})));
            client.disconnect();
            assertEquals(3, Files.size(home.resolve("up.bin")));
            IOException refused = assertThrows(IOException.class, () -> server.login("des", "sesame13"));
            assertTrue(refused.getMessage().contains("530"), refused.getMessage());
        }
    }

    /** Hashes made by mkpasswd (Debian package whois) in a file edited by us log in over FTP. */
    @Test
    void mkpasswdSha512HashLogsIn() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkpasswd")), "mkpasswd (package whois) missing");
        String hash = run(List.of("mkpasswd", "-m", "sha-512", "open sesame"), "").strip();
        assertTrue(hash.startsWith("$6$"), hash);
        Path file = temp.resolve("pureftpd.passwd");
        Path home = Files.createDirectories(temp.resolve("ann"));
        Files.writeString(file, "ann:" + hash + ":1001:1001::" + home + "::::::::::::\n");
        admin(file).run("usermod", List.of("ann", "-c", "Ann", "-y", "2"));
        PasswdAuthBackend backend = new PasswdAuthBackend(new dev.wharf.crypt.PasswordChecker());
        backend.configure(temp.toString(), config(file.toString()));
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "passwd", 0);
            FTPClient client = server.login("ann", "open sesame");
            assertTrue(client.storeFile("up.bin", new ByteArrayInputStream(new byte[] {1, 2, 3})));
            client.disconnect();
            assertEquals(3, Files.size(home.resolve("up.bin")));
            assertThrows(IOException.class, () -> server.login("ann", "open sesamE"));

            backend.configure(temp.toString(), TestConfig.passwd(file.toString(), false, false));
            IOException disabled = assertThrows(IOException.class, () -> server.login("ann", "open sesame"));
            assertTrue(disabled.getMessage().contains("530"), "a disabled backend knows nobody");
        }
    }

    @Test
    void showListAndErrors() throws Exception {
        Path file = temp.resolve("pureftpd.passwd");
        Files.writeString(file, "# kept comment\n");
        admin(file, "a", "a").run("useradd", withLogin("joe", ALL_OPTIONS));
        admin(file, "b", "b").run("useradd", List.of("kim", "-u", "1003", "-g", "1003", "-D", "/srv/kim"));
        admin(file).run("list", List.of());
        assertEquals("joe\t/srv/ftp/joe/./\tJoe X\nkim\t/srv/kim\t\n", output.toString());
        output.reset();
        admin(file).run("show", List.of("joe"));
        String shown = output.toString();
        assertTrue(shown.contains("Download bandwidth : 10 Kb (enabled)"), shown);
        assertTrue(shown.contains("Max size           : 5 Mb (enabled)"), shown);
        assertTrue(shown.contains("Time restrictions  : 900-1800 (enabled)"), shown);
        assertTrue(Files.readString(file).startsWith("# kept comment\n"), "comments survive edits");

        String before = Files.readString(file);
        assertEquals("You didn't enter the same password",
                assertThrows(AdminException.class, () -> admin(file, "x", "y").run("passwd", List.of("kim")))
                        .getMessage());
        assertThrows(AdminException.class, () -> admin(file, "x", "x").run("useradd",
                List.of("kim", "-u", "1003", "-g", "1003", "-D", "/srv/kim")), "exists");
        assertThrows(AdminException.class, () -> admin(file, "x", "x").run("useradd",
                List.of("root2", "-u", "0", "-g", "0", "-D", "/srv/r")), "uid 0");
        assertThrows(AdminException.class, () -> admin(file).run("usermod", List.of("kim", "-z", "25:00")));
        assertThrows(AdminException.class, () -> admin(file).run("usermod", List.of("kim", "-c", "a:b")));
        assertThrows(AdminException.class, () -> admin(file).run("userdel", List.of("nobody")));
        assertEquals(before, Files.readString(file), "a refused command leaves the file as it was");
    }

    /** Processes adding users at the same time: the lock file serialises them, no edit is lost. */
    @Test
    void concurrentProcessesLoseNoEdit() throws Exception {
        Path file = temp.resolve("pureftpd.passwd");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            for (int u = 0; u < 2; u++) {
                ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        UserTool.class.getName(), "useradd", "user" + p + u, "-u", "1001", "-g", "1001",
                        "-D", "/srv/u", "-f", file.toString());
                builder.redirectErrorStream(true);
                processes.add(builder.start());
            }
        }
        for (Process process : processes) {
            process.getOutputStream().write("pw\npw\n".getBytes(StandardCharsets.US_ASCII));
            process.getOutputStream().close();
        }
        for (Process process : processes) {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue(), new String(process.getInputStream().readAllBytes()));
        }
        assertEquals(6, PasswdFile.read(file).size());
    }

    private UserAdmin admin(Path file, String... answers) {
        Deque<String> queue = new ArrayDeque<>(List.of(answers));
        return new UserAdmin(file, new PrintStream(output, true, StandardCharsets.UTF_8), prompt -> queue.poll());
    }

    private static List<String> withLogin(String login, List<String> options) {
        List<String> arguments = new ArrayList<>(List.of(login));
        arguments.addAll(options);
        return arguments;
    }

    private static List<String> without(String[] fields, int index) {
        List<String> list = new ArrayList<>(Arrays.asList(fields));
        list.remove(index);
        return list;
    }

    private static String run(List<String> command, String input) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), command + ": " + new String(process.getErrorStream().readAllBytes()));
        return out;
    }

    static PasswdAuthBackend.Config config(String file) {
        return TestConfig.passwd(file, true, false);
    }

}
