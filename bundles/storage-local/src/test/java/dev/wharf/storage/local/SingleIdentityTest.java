package dev.wharf.storage.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without the privilege to act for accounts (here: a JVM started as {@code nobody} by {@code setpriv}), the local
 * storage works as one service user: files are its own whatever the account's uid, and it says so once.
 */
@Timeout(120)
class SingleIdentityTest {

    @TempDir
    Path dir;

    @Test
    void anUnprivilegedServerKeepsFilesAsItsOwnUser() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to start a JVM as nobody");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.setAttribute(home, "unix:uid", 65534);
        Files.setAttribute(home, "unix:gid", 65534);
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--inh-caps=-all", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", readableClassPath(), SingleIdentityTest.class.getName(),
                home.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(child.waitFor(90, TimeUnit.SECONDS));
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("without CAP_CHOWN and CAP_DAC_OVERRIDE"), output);
        assertTrue(output.contains("stored"), output);
        Path stored = home.resolve("upload.txt");
        assertEquals("as nobody", Files.readString(stored));
        assertEquals(65534, Files.getAttribute(stored, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                "the server's own user, not the account's 1501");
    }

    /** The test's class path copied where nobody can read it (the build's own may be under /root). */
    private String readableClassPath() throws IOException {
        Path copies = Files.createDirectories(dir.resolve("classpath"));
        List<String> entries = new ArrayList<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int index = 0;
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (entry.isEmpty() || !Files.exists(source)) {
                continue;
            }
            Path copy = copies.resolve(Integer.toString(index++) + (Files.isDirectory(source) ? "" : ".jar"));
            if (Files.isDirectory(source)) {
                try (var tree = Files.walk(source)) {
                    for (Path from : tree.toList()) {
                        Path to = copy.resolve(source.relativize(from).toString());
                        if (Files.isDirectory(from)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(from, to);
                        }
                    }
                }
            } else {
                Files.copy(source, copy);
            }
            entries.add(copy.toString());
        }
        try (var tree = Files.walk(copies)) {
            for (Path path : tree.toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path)
                        ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** The unprivileged side: stores one file for an account with uid 1501. */
    public static void main(String[] args) throws IOException {
        Account account = new Account("alice", args[0], 1501, 1501, AccountLimits.NONE);
        try (Storage storage = new LocalStorageProvider().open(account, Identity.of(account))) {
            if (storage.can(StorageCapability.PER_ACCOUNT_IDENTITY)) {
                throw new IllegalStateException("claims to act for accounts without the privilege");
            }
            try (PendingUpload upload = storage.startUpload("/upload.txt", 0644)) {
                upload.channel().write(ByteBuffer.wrap("as nobody".getBytes(StandardCharsets.US_ASCII)));
                upload.commit("upload.txt", false);
            }
        }
        System.out.println("stored");
    }
}
