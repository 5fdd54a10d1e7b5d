package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.core.server.TestPrograms.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pure-FTPd's directory aliases ({@code dir.aliases.file}): CWD to an alias when no directory has that name, SITE
 * ALIAS to list them; aliases leading outside the account's root are not offered; the file is read at each login.
 */
class DirectoryAliasesTest {

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anAliasLeadsToItsDirectoryInsideTheRootOnly() throws Exception {
        Path users = temp.resolve("users");
        Path home = Files.createDirectories(users.resolve("alice"));
        Path pub = Files.createDirectories(home.resolve("srv/ftp/pub"));
        Files.writeString(pub.resolve("hello.txt"), "hello from pub\n");
        Path aliases = Files.writeString(temp.resolve("pureftpd-dir-aliases"), String.join("\n",
                "# name, then directory", "pub", pub.toRealPath().toString(), "", "home", home.toRealPath().toString(),
                "outside", temp.toRealPath().toString(), "relative", "srv/ftp", "") );
        try (TestServer server = new TestServer(users, Map.of("dir.aliases.file", aliases.toString()))) {
            // curl walks the URL's directories with CWD, one at a time: "pub" is the alias
            Result curl = TestPrograms.run(List.of("curl", "--silent", "--show-error", "--max-time", "30",
                    "--user", "alice:wonderland", "ftp://127.0.0.1:" + server.port() + "/pub/hello.txt"));
            assertEquals(0, curl.exitCode(), curl.output());
            assertEquals("hello from pub\n", curl.output());

            FTPClient ftp = server.loggedIn();
            assertEquals(250, ftp.cwd("pub"), ftp.getReplyString());
            assertEquals("/srv/ftp/pub", ftp.printWorkingDirectory());
            assertEquals(214, ftp.sendCommand("SITE ALIAS"));
            assertEquals(List.of("214-The following aliases are available :", " pub /srv/ftp/pub", " home /",
                    "214 End of list"), ftp.getReplyString().lines().toList(),
                    "outside the root and relative ones are not offered");
            assertEquals(214, ftp.sendCommand("SITE ALIAS pub"));
            assertEquals("214 pub is an alias for /srv/ftp/pub.", ftp.getReplyString().strip());
            assertEquals(502, ftp.sendCommand("SITE ALIAS outside"));
            assertEquals("502 Unknown alias outside.", ftp.getReplyString().strip());
            assertEquals(550, ftp.cwd("outside"));
            assertEquals("/srv/ftp/pub", ftp.printWorkingDirectory(), "confined: nowhere outside the root");

            // a directory of the alias's name comes first
            Files.createDirectories(home.resolve("srv/ftp/pub/home"));
            assertEquals(250, ftp.cwd("home"));
            assertEquals("/srv/ftp/pub/home", ftp.printWorkingDirectory());
            assertEquals(250, ftp.cwd("/srv"));
            assertEquals(250, ftp.cwd("home"), "no directory 'home' in /srv: the alias");
            assertEquals("/", ftp.printWorkingDirectory());
            ftp.disconnect();

            // read at each login: a changed file counts from the next one
            Files.writeString(aliases, "files\n" + pub.toRealPath() + "\n");
            FTPClient next = server.loggedIn();
            assertEquals(214, next.sendCommand("SITE ALIAS"));
            assertEquals(List.of("214-The following aliases are available :", " files /srv/ftp/pub",
                    "214 End of list"), next.getReplyString().lines().toList());
            assertEquals(550, next.cwd("pub"));
            next.disconnect();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void badValuesNameTheirKeys() {
        Exception relative = assertThrows(RuntimeException.class, () -> ListenerSettings.from(Map.of(
                "service.pid", "dev.wharf.listener~main", "dir.aliases.file", "pureftpd-dir-aliases")));
        assertTrue(relative.getMessage().contains("dir.aliases.file"), relative.getMessage());
        Exception mode = assertThrows(RuntimeException.class, () -> ListenerSettings.from(Map.of(
                "service.pid", "dev.wharf.listener~main", "upload.mode", "resume")));
        assertTrue(mode.getMessage().contains("upload.mode") && mode.getMessage().contains("atomic, atomic-resume "
                + "or direct"), mode.getMessage());
        assertEquals(ListenerSettings.UploadMode.ATOMIC, ListenerSettings.from(Map.of()).uploadMode(),
                "atomic by default");
    }
}
