package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.api.storage.FileNames;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageProvider;
import dev.wharf.core.activity.SessionInfo;
import dev.wharf.core.server.TestPrograms.Result;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three {@code upload.mode}s with real clients killed mid-upload (SIGKILL, as a crash or a closed laptop does)
 * and then resuming: curl ({@code -C - -T}: SIZE, then APPE) and lftp ({@code put -c}: SIZE, then REST + STOR).
 * After the kill: {@code atomic} leaves nothing, {@code atomic-resume} nothing under the name but a hidden partial
 * that SIZE reports, {@code direct} the partial file itself. After the resume the file's sha256 is the source's and
 * nothing else is left in the directory.
 */
class UploadModesTest {

    private static final int SIZE = 50 << 20;
    /** The client is killed once the server has received this much (of 50 MB, sent at 8 MB/s). */
    private static final long KILL_AFTER = 10 << 20;
    private static final String PARTIAL = FileNames.PARTIAL_UPLOAD_PREFIX + "big.bin";

    @TempDir
    static Path temp;
    static Path source;
    static String sourceDigest;

    @BeforeAll
    static void makeSource() throws Exception {
        source = temp.resolve("source.bin");
        Random random = new Random(22);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(source)) {
            for (int left = SIZE; left > 0; left -= block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        sourceDigest = sha256(source, SIZE);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"atomic, curl", "atomic, lftp", "atomic-resume, curl", "atomic-resume, lftp", "direct, curl",
            "direct, lftp"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aKilledClientResumesItsUpload(String mode, String client) throws Exception {
        Path directory = Files.createDirectories(temp.resolve(mode + "-" + client));
        Path log = directory.resolve("xferlog");
        try (TestServer server = new TestServer(directory.resolve("users"), Map.of("upload.mode", mode,
                "transferlog.format", "xferlog", "transferlog.file", log.toString()))) {
            Path home = server.home("alice");
            String killedOutput = killMidUpload(server, client, false);
            String cut = waitForUploadLine(log, 1);
            assertTrue(cut.endsWith(" i"), "the transfer log has the cut upload as incomplete: " + cut);

            long kept = switch (mode) {
                case "atomic" -> {
                    assertEquals(List.of(), names(home), "atomic: a cut upload leaves nothing\n" + killedOutput);
                    yield 0;
                }
                case "atomic-resume" -> {
                    assertEquals(List.of(PARTIAL), names(home), "atomic-resume: only the hidden partial\n"
                            + killedOutput);
                    long partial = checkPrefix(home.resolve(PARTIAL));
                    FTPClient ftp = server.loggedIn();
                    assertEquals("213 " + partial, ftp.sendCommand("SIZE big.bin") == 213
                            ? ftp.getReplyString().strip() : ftp.getReplyString(), "SIZE reports the partial");
                    assertEquals(List.of(), List.of(ftp.listNames("-a")), "never listed");
                    assertEquals(550, ftp.sendCommand("SIZE " + PARTIAL), "its name is refused to clients");
                    assertFalse(ftp.deleteFile(PARTIAL));
                    assertTrue(ftp.getReplyString().contains("reserved for partial uploads"), ftp.getReplyString());
                    ftp.disconnect();
                    yield partial;
                }
                default -> {
                    assertEquals(List.of("big.bin"), names(home), "direct: the partial file is visible\n"
                            + killedOutput);
                    yield checkPrefix(home.resolve("big.bin"));
                }
            };

            String resumed = resume(server, client, false);
            assertEquals(sourceDigest, sha256(home.resolve("big.bin"), Long.MAX_VALUE), "whole after the resume\n"
                    + resumed);
            assertEquals(List.of("big.bin"), names(home), "no partial or temporary file is left");
            String whole = waitForUploadLine(log, 2);
            assertTrue(whole.endsWith(" c"), whole);
            assertEquals(SIZE - kept, Long.parseLong(whole.split(" +")[7]),
                    "the server received only what the kept part lacked: " + whole);
            if (kept > 0 && client.equals("curl")) {
                assertTrue(resumed.contains("> APPE big.bin") && resumed.contains("SENT " + (SIZE - kept)), resumed);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPartialKeptOverTlsResumesAndTheQuotaCountsItWhileItExists() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("tls"));
        try (TestServer server = new TestServer(directory.resolve("users"), Map.of("upload.mode", "atomic-resume",
                "tls", "3", "limits.quota.size", "1000"))) {
            Path home = server.home("alice");
            String killedOutput = killMidUpload(server, "curl", true);
            assertEquals(List.of(".ftpquota", PARTIAL), names(home), killedOutput);
            long partial = checkPrefix(home.resolve(PARTIAL));
            assertEquals("1 " + partial, Files.readString(home.resolve(".ftpquota")).strip(),
                    "the partial counts as one file of its size");

            String resumed = resume(server, "curl", true);
            assertEquals(sourceDigest, sha256(home.resolve("big.bin"), Long.MAX_VALUE), resumed);
            assertEquals(List.of(".ftpquota", "big.bin"), names(home));
            assertEquals("1 " + SIZE, Files.readString(home.resolve(".ftpquota")).strip());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aResumedUploadBelongsToTheAccountWhenRunAsRoot() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root, as CI runs");
        Path directory = Files.createDirectories(temp.resolve("owners"));
        try (TestServer server = new TestServer(directory.resolve("users"), Map.of("upload.mode", "atomic-resume",
                "storage.account.identity", "auto"))) {
            server.ids.put("alice", new int[] {1501, 1502});
            Path home = server.home("alice");
            Files.setAttribute(home, "unix:uid", 1501);
            Files.setAttribute(home, "unix:gid", 1502);
            killMidUpload(server, "lftp", false);
            assertEquals(List.of(1501, 1502), owner(home.resolve(PARTIAL)), "the kept partial is the account's");
            String resumed = resume(server, "lftp", false);
            assertEquals(sourceDigest, sha256(home.resolve("big.bin"), Long.MAX_VALUE), resumed);
            assertEquals(List.of(1501, 1502), owner(home.resolve("big.bin")), "so is the committed file");
            assertEquals(List.of("big.bin"), names(home));
        }
    }

    /** ABOR (ftplib, as in {@link AbortTest}): 426 then 226, and what arrived is kept for resuming. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anAbortedUploadIsKeptForResuming() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("abort"));
        try (TestServer server = new TestServer(directory.resolve("users"), Map.of("upload.mode", "atomic-resume",
                "limits.bandwidth.upload", "51200"))) {
            Path home = server.home("alice");
            Path script = directory.resolve("abort_client.py");
            try (InputStream in = UploadModesTest.class.getResourceAsStream("/abort_client.py")) {
                Files.copy(in, script);
            }
            Result result = TestPrograms.run(List.of("python3", script.toString(), "127.0.0.1",
                    Integer.toString(server.port()), "upload", "plain", "big.bin"));
            assertEquals(0, result.exitCode(), result.output());
            List<String> replies = result.output().lines().filter(line -> line.startsWith("REPLY ")).toList();
            assertTrue(replies.size() == 2 && replies.get(0).startsWith("REPLY 426 ")
                    && replies.get(1).startsWith("REPLY 226 "), result.output());
            assertEquals(List.of(PARTIAL), names(home), result.output());
            long kept = Files.size(home.resolve(PARTIAL));
            assertTrue(kept >= 8 << 20 && kept < 256L << 20, "what arrived before the ABOR: " + kept);
            try (InputStream in = Files.newInputStream(home.resolve(PARTIAL))) {
                byte[] block = new byte[1 << 16];
                for (int n; (n = in.read(block)) > 0; ) {
                    for (int i = 0; i < n; i++) {
                        assertEquals(0, block[i], "the client sent zeros only");
                    }
                }
            }
            FTPClient ftp = server.loggedIn();
            assertEquals(213, ftp.sendCommand("SIZE big.bin"));
            assertEquals("213 " + kept, ftp.getReplyString().strip());
            ftp.disconnect();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPlainStorStartsOverAndDiscardsThePartial() throws Exception {
        Path directory = Files.createDirectories(temp.resolve("start-over"));
        try (TestServer server = new TestServer(directory.resolve("users"), Map.of("upload.mode", "atomic-resume",
                "limits.quota.size", "1000"))) {
            Path home = server.home("alice");
            killMidUpload(server, "curl", false);
            assertTrue(Files.exists(home.resolve(PARTIAL)));
            FTPClient ftp = server.loggedIn();
            assertTrue(ftp.storeFile("big.bin", new ByteArrayInputStream("fresh".getBytes())), ftp.getReplyString());
            ftp.disconnect();
            assertEquals("fresh", Files.readString(home.resolve("big.bin")));
            assertEquals(List.of(".ftpquota", "big.bin"), names(home), "the partial is gone");
            assertEquals("1 5", Files.readString(home.resolve(".ftpquota")).strip(), "and its room given back");
        }
    }

    /** A storage without RESUME and APPEND: REST + STOR and APPE are refused before data moves, nothing is kept. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"atomic-resume", "direct"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStorageWithoutResumeRefusesItAndKeepsNothing(String mode) throws Exception {
        Path directory = Files.createDirectories(temp.resolve("no-resume-" + mode));
        try (TestServer server = new TestServer(directory.resolve("users"), Map.of("upload.mode", mode))) {
            StorageProvider local = TestServer.localStorage("server");
            server.services.addStorageProvider((account, identity) -> withoutResume(local.open(account, identity)),
                    TestServer.properties("no-resume", 10));
            Path home = server.home("alice");
            Files.writeString(home.resolve("old.txt"), "0123456789");
            FTPClient ftp = server.loggedIn();
            ftp.setRestartOffset(5);
            assertFalse(ftp.storeFile("old.txt", new ByteArrayInputStream("xyz".getBytes())));
            assertEquals(504, ftp.getReplyCode());
            assertEquals("504 REST before STOR is not supported by this storage", ftp.getReplyString().strip());
            assertFalse(ftp.appendFile("old.txt", new ByteArrayInputStream("xyz".getBytes())));
            assertEquals("504 APPE is not supported by this storage", ftp.getReplyString().strip());
            assertEquals("0123456789", Files.readString(home.resolve("old.txt")), "no data moved");
            ftp.disconnect();

            killMidUpload(server, "curl", false);
            assertEquals(List.of("old.txt"), names(home), "without resuming, a cut upload is atomic: nothing left");
        }
    }

    /** The storage with RESUME and APPEND taken out of its capabilities, everything else passed through. */
    private static Storage withoutResume(Storage storage) {
        return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
                (proxy, method, arguments) -> {
                    if (method.getName().equals("capabilities")) {
                        EnumSet<StorageCapability> fewer = EnumSet.copyOf(storage.capabilities());
                        fewer.removeAll(EnumSet.of(StorageCapability.RESUME, StorageCapability.APPEND));
                        return fewer;
                    }
                    if (method.getName().equals("can")) {
                        StorageCapability asked = (StorageCapability) arguments[0];
                        return asked != StorageCapability.RESUME && asked != StorageCapability.APPEND
                                && storage.can(asked);
                    }
                    try {
                        return method.invoke(storage, arguments);
                    } catch (InvocationTargetException failure) {
                        throw failure.getCause();
                    }
                });
    }

    /**
     * Starts {@code client} uploading the 50 MB source to {@code big.bin} at 8 MB/s, kills it (SIGKILL) once the
     * server has received {@link #KILL_AFTER} bytes, and waits until the server has ended the session.
     */
    private static String killMidUpload(TestServer server, String client, boolean tls) throws Exception {
        List<String> command = client.equals("curl")
                ? curl(server, tls, List.of("--limit-rate", "8M", "-T", source.toString()))
                : lftp(server, "set net:limit-rate 8M; put " + source + " -o big.bin");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(temp.resolve("killed-" + client + ".log").toFile()).start();
        try {
            waitFor(() -> server.activity.who().stream().anyMatch(session -> "UL".equals(session.state())
                    && session.transferred() >= KILL_AFTER), "the upload under way", server);
            assertTrue(process.isAlive(), "killed mid-transfer, not after it");
        } finally {
            process.destroyForcibly(); // SIGKILL: the client has no chance to say anything
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        }
        waitFor(() -> server.activity.who().isEmpty(), "the server ending the session", server);
        return Files.readString(temp.resolve("killed-" + client + ".log"));
    }

    /** Uploads the source again as a resuming client does; the client's own account of it. */
    private static String resume(TestServer server, String client, boolean tls) throws Exception {
        Result result = TestPrograms.run(client.equals("curl")
                ? curl(server, tls, List.of("-v", "-w", "SENT %{size_upload}\\n", "-C", "-", "-T", source.toString()))
                : lftp(server, "put -c " + source + " -o big.bin"));
        assertEquals(0, result.exitCode(), client + " resuming: " + result.output());
        return result.output();
    }

    private static List<String> curl(TestServer server, boolean tls, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "90",
                "--user", "alice:wonderland"));
        if (tls) {
            command.addAll(List.of("--ssl-reqd", "--insecure"));
        }
        command.addAll(arguments);
        command.add("ftp://127.0.0.1:" + server.port() + "/big.bin");
        return command;
    }

    private static List<String> lftp(TestServer server, String commands) {
        return List.of("lftp", "-c", "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 30;"
                + " set ftp:passive-mode on; set ftp:ssl-allow no; open -u alice,wonderland -p " + server.port()
                + " ftp://127.0.0.1; " + commands);
    }

    /** The {@code n}-th upload line of the xferlog (written after the reply, so waited for). */
    private static String waitForUploadLine(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> uploads = Files.exists(log) ? Files.readAllLines(log).stream()
                    .filter(line -> line.contains(" b _ i ")).toList() : List.of();
            if (uploads.size() >= n) {
                return uploads.get(n - 1);
            }
            assertTrue(System.nanoTime() < deadline, "upload line " + n + " in " + uploads);
            Thread.sleep(10);
        }
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition condition, String what, TestServer server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                List<SessionInfo> sessions = server.activity.who();
                throw new AssertionError("no sign of " + what + " within 30 s: " + sessions);
            }
            Thread.sleep(10);
        }
    }

    /** The size of a cut upload, after checking it holds the source's first bytes and is shorter than it. */
    private static long checkPrefix(Path file) throws Exception {
        long size = Files.size(file);
        assertTrue(size >= KILL_AFTER && size < SIZE, "a cut upload of " + size + " bytes");
        assertEquals(sha256(source, size), sha256(file, Long.MAX_VALUE), "the first " + size + " bytes of the source");
        return size;
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        }
    }

    private static List<Integer> owner(Path file) throws IOException {
        return List.of((Integer) Files.getAttribute(file, "unix:uid"), (Integer) Files.getAttribute(file, "unix:gid"));
    }

    private static String sha256(Path file, long length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            long left = length;
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                digest.update(buffer, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
