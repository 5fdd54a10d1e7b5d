package dev.wharf.itest;

import org.osgi.test.common.annotation.InjectService;
import org.junit.jupiter.api.Timeout;
import static dev.wharf.itest.Fixture.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The upload-script bundle inside Felix behind the real core: configured through ConfigAdmin, it runs its program
 * after FTP uploads (STOR and APPE) with the stored file's path and Pure-FTPd's variables, and stops passing
 * uploads on once its configuration is deleted.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UploadScriptTest {
    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;


    @Test
    void ftpUploadsRunTheConfiguredProgram() throws Exception {
        Path work = Files.createTempDirectory("wharf-uploadscript").toRealPath();
        Path home = ownedBy(Files.createDirectories(work.resolve("ftp/uploader")), 1003, 1003);
        Path runs = work.resolve("runs.log");
        Path script = work.resolve("on upload.sh");
        Files.writeString(script, "#!/bin/sh\nprintf '%s|%s|%s|%s\\n' \"$1\" \"$UPLOAD_SIZE\" \"$UPLOAD_VUSER\" "
                + "\"$UPLOAD_PERMS\" >> \"" + runs + "\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        int port = freePort();

        AuthBackend uploader = request -> request.user().equals("uploader") && request.password().equals("up pass")
                ? AuthResult.accepted(new Account("uploader", home.toString(), 1003, 1003, AccountLimits.NONE))
                : AuthResult.unknown();
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(AuthBackend.NAME_PROPERTY, "uploader");
        ServiceRegistration<AuthBackend> registration = context().registerService(AuthBackend.class, uploader,
                properties);
        Configuration hookConfig = configAdmin.getConfiguration("dev.wharf.hook.uploadscript", "?");
        hookConfig.update(dictionary("program", script.toString(), "timeout.seconds", "10"));
        Configuration listener = configAdmin.getFactoryConfiguration("dev.wharf.listener", "itest-uploadscript", "?");
        listener.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port), "auth.order", "uploader"));
        FTPClient client = null;
        try {
            client = awaitLogin(port, "uploader", "up pass");
            assertNotNull(client, "uploader logs in");
            assertTrue(client.makeDirectory("in box"), client.getReplyString());
            assertTrue(client.storeFile("in box/report 1.txt", input("first part\n")), client.getReplyString());
            String stored = home.resolve("in box/report 1.txt").toString();
            awaitLines(runs, 1);
            assertEquals(List.of(stored + "|11|uploader|644"), Files.readAllLines(runs));

            // APPE: the program sees the whole file, not only the bytes of this transfer
            assertTrue(client.appendFile("in box/report 1.txt", input("second\n")), client.getReplyString());
            awaitLines(runs, 2);
            assertEquals(stored + "|18|uploader|644", Files.readAllLines(runs).get(1));

            // without its configuration the component is gone (configuration policy REQUIRE)
            hookConfig.delete();
            hookConfig = null;
            Thread.sleep(1_000);
            assertTrue(client.storeFile("after.txt", input("x")), client.getReplyString());
            Thread.sleep(1_500);
            assertEquals(2, Files.readAllLines(runs).size(), "no run once the configuration is deleted");
        } finally {
            if (client != null) {
                client.disconnect();
            }
            listener.delete();
            if (hookConfig != null) {
                hookConfig.delete();
            }
            registration.unregister();
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static ByteArrayInputStream input(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void awaitLines(Path file, int lines) throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= lines) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the program did not run " + lines + " times within " + WAIT_MILLIS + " ms");
    }
}
