package dev.wharf.auth.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.core.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fixture passwd/shadow/shells files with hashes made by mkpasswd (Debian package whois); real FTP logins. */
class UnixAuthBackendTest {

    private static final String PASSWORD = "pa ss";

    @TempDir
    Path temp;

    private final AuthBackend fallback = request -> request.password().equals("fallback")
            ? AuthResult.accepted(new Account(request.user(), temp.resolve("fallback").toString(), 1000, 1000,
                    AccountLimits.NONE))
            : AuthResult.unknown();

    @Test
    void systemAccountsLogInWithCryptHashesAndAreRefusedLikePureFtpd() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkpasswd")), "mkpasswd (package whois) missing");
        long today = LocalDate.now().toEpochDay();
        String sha512 = mkpasswd("sha-512");
        Path homes = Files.createDirectories(temp.resolve("home"));
        for (String user : new String[] {"sha512", "sha256", "md5", "bcrypt", "scrypt", "yescrypt"}) {
            Files.createDirectories(homes.resolve(user));
        }
        Files.writeString(temp.resolve("passwd"), String.join("\n",
                "root:x:0:0:root:/root:/bin/bash",
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                "sha512:x:1001:1001:,,,:" + homes.resolve("sha512") + ":/bin/bash",
                "sha256:x:1002:1002::" + homes.resolve("sha256") + ":/bin/sh",
                "md5:x:1003:1003::" + homes.resolve("md5") + ":/bin/bash",
                "bcrypt:x:1004:1004::" + homes.resolve("bcrypt") + ":/bin/bash",
                "scrypt:x:1010:1010::" + homes.resolve("scrypt") + ":/bin/bash",
                "lowuid:x:999:999::/tmp:/bin/bash",
                "nologin:x:1005:1005::/tmp:/usr/sbin/nologin",
                "locked:x:1006:1006::/tmp:/bin/bash",
                "expired:x:1007:1007::/tmp:/bin/bash",
                "oldpass:x:1008:1008::/tmp:/bin/bash",
                "yescrypt:x:1009:1009::" + homes.resolve("yescrypt") + ":/bin/bash",
                "") );
        Files.writeString(temp.resolve("shadow"), String.join("\n",
                "root:" + sha512 + ":" + today + ":0:99999:7:::",
                "daemon:" + sha512 + ":" + today + ":0:99999:7:::",
                "sha512:" + sha512 + ":" + today + ":0:99999:7:::",
                "sha256:" + mkpasswd("sha-256") + ":" + today + ":0:99999:7:::",
                "md5:" + mkpasswd("md5") + ":" + today + "::::::",
                "bcrypt:" + mkpasswd("bcrypt") + ":" + today + ":0:99999:7:::",
                "scrypt:" + mkpasswd("scrypt") + ":" + today + ":0:99999:7:::",
                "lowuid:" + sha512 + ":" + today + ":0:99999:7:::",
                "nologin:" + sha512 + ":" + today + ":0:99999:7:::",
                "locked:!" + sha512 + ":" + today + ":0:99999:7:::",
                "expired:" + sha512 + ":" + today + ":0:99999:7::" + (today - 1) + ":",
                "oldpass:" + sha512 + ":" + (today - 100) + ":0:90:7:::",
                "yescrypt:" + mkpasswd("yescrypt") + ":" + today + ":0:99999:7:::",
                ""));
        Files.writeString(temp.resolve("shells"), "# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n");

        UnixAuthBackend backend = new UnixAuthBackend(new dev.wharf.crypt.PasswordChecker());
        backend.configure(config(1000, true));
        // many refusals in a row from 127.0.0.1: no ban, so every case gets its own 530
        try (EmbeddedServer server = new EmbeddedServer(Map.of("security.ban.after.failures", "0"))) {
            server.addAuthBackend(backend, "unix", 10).addAuthBackend(fallback, "fallback", 0);
            for (String user : new String[] {"sha512", "sha256", "md5", "bcrypt", "scrypt", "yescrypt"}) {
                FTPClient client = server.login(user, PASSWORD);
                assertTrue(client.storeFile("f.txt", new ByteArrayInputStream(user.getBytes(StandardCharsets.UTF_8))));
                client.disconnect();
                assertEquals(user, Files.readString(homes.resolve(user).resolve("f.txt")), "home of " + user);
                refused(server, user, "wrong");
            }
            // the fallback would accept every one of these: Rejected stops the chain
            for (String user : new String[] {"root", "daemon", "lowuid", "nologin", "locked", "expired", "oldpass"}) {
                refused(server, user, "fallback");
                refused(server, user, PASSWORD);
            }
            server.login("not-a-system-user", "fallback").disconnect();

            backend.configure(config(1000, false));
            refused(server, "sha512", PASSWORD);
            server.login("sha512", "fallback").disconnect();
        }
    }

    private static void refused(EmbeddedServer server, String user, String password) {
        IOException refused = assertThrows(IOException.class, () -> server.login(user, password), user);
        assertTrue(refused.getMessage().contains("530"), refused.getMessage());
    }

    private static String mkpasswd(String method) throws Exception {
        Process process = new ProcessBuilder("mkpasswd", "-m", method, PASSWORD).start();
        String hash = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), method);
        return hash;
    }

    private UnixAuthBackend.Config config(int minUid, boolean enabled) {
        Path dir = temp;
        return new UnixAuthBackend.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return UnixAuthBackend.Config.class;
            }

            @Override
            public String passwd_file() {
                return dir.resolve("passwd").toString();
            }

            @Override
            public String shadow_file() {
                return dir.resolve("shadow").toString();
            }

            @Override
            public String shells_file() {
                return dir.resolve("shells").toString();
            }

            @Override
            public int min_uid() {
                return minUid;
            }

            @Override
            public boolean enabled() {
                return enabled;
            }
        };
    }

}
