package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import dev.wharf.core.server.TestPrograms.Result;

/** The server driven by two independent real clients, curl and lftp, run as processes. */
class RealClientsTest extends ServerTestBase {

    @Test
    void lftpMirrorsATreeUpAndBackByteForByte() throws Exception {
        Path local = temp.resolve("local");
        Random random = new Random(300);
        for (int i = 0; i < 300; i++) {
            String name = i % 50 == 0 ? "mit Leerzeichen und Ümlaut " + i + ".dat" : "file-" + i + ".bin";
            Path file = local.resolve("d" + i % 5).resolve("e" + i % 3).resolve(name);
            Files.createDirectories(file.getParent());
            byte[] content = new byte[random.nextInt(20_000)];
            random.nextBytes(content);
            Files.write(file, content);
        }
        Files.createDirectories(local.resolve("empty-dir"));
        Path back = temp.resolve("back");

        Result result = lftp("mirror -R --verbose=0 '" + local + "' /up; mirror --verbose=0 /up '" + back + "'");
        assertEquals(0, result.exitCode(), result.output());

        Map<String, byte[]> original = tree(local);
        assertEquals(300, original.size());
        assertTreesEqual(original, tree(home.resolve("up")));
        assertTreesEqual(original, tree(back));
        assertTrue(Files.isDirectory(home.resolve("up/empty-dir")));
    }

    @Test
    void lftpListsRenamesAndDeletes() throws Exception {
        Files.writeString(home.resolve("a b.txt"), "content");
        Result result = lftp("cls -1; mv 'a b.txt' c.txt; mkdir sub; put '" + writeLocal("p.txt", "put") + "' -o sub/p.txt;"
                + " rm c.txt; ls sub");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("a b.txt"), result.output());
        assertTrue(result.output().contains("p.txt"), result.output());
        assertTrue(Files.notExists(home.resolve("a b.txt")) && Files.notExists(home.resolve("c.txt")));
        assertEquals("put", Files.readString(home.resolve("sub/p.txt")));
    }

    @Test
    void curlUploadsAppendsResumesListsAndDownloads() throws Exception {
        String base = "ftp://127.0.0.1:" + server.port() + "/";
        byte[] content = new byte[700_000];
        new Random(1).nextBytes(content);
        Path source = temp.resolve("source.bin");
        Files.write(source, content);

        Result upload = curl("-T", source.toString(), "--ftp-create-dirs", base + "deep/er/name%20with%20space.bin");
        assertEquals(0, upload.exitCode(), upload.output());
        assertArrayEquals(content, Files.readAllBytes(home.resolve("deep/er/name with space.bin")));

        Path half = temp.resolve("half.bin");
        Files.write(half, java.util.Arrays.copyOf(content, 300_000));
        Result resumed = curl("-C", "-", "-o", half.toString(), base + "deep/er/name%20with%20space.bin");
        assertEquals(0, resumed.exitCode(), resumed.output());
        assertArrayEquals(content, Files.readAllBytes(half), "curl resumed the download with REST");

        Path extra = temp.resolve("extra.txt");
        Files.writeString(extra, "more");
        Result append = curl("--append", "-T", extra.toString(), base + "log.txt");
        Result appendAgain = curl("--append", "-T", extra.toString(), base + "log.txt");
        assertEquals(0, append.exitCode() + appendAgain.exitCode(), append.output() + appendAgain.output());
        assertEquals("moremore", Files.readString(home.resolve("log.txt")));

        Result listing = curl("--list-only", base + "deep/er/");
        assertEquals("name with space.bin", listing.output().strip());
        Result deleted = curl("-Q", "DELE log.txt", base);
        assertEquals(0, deleted.exitCode(), deleted.output());
        assertTrue(Files.notExists(home.resolve("log.txt")));
    }

    private Result lftp(String commands) throws Exception {
        String script = "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 20; set ftp:ssl-allow no;"
                + " set ftp:passive-mode on; open -u alice,wonderland -p " + server.port() + " ftp://127.0.0.1; "
                + commands;
        return TestPrograms.run(List.of("lftp", "-c", script));
    }

    private Result curl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "60",
                "--user", "alice:wonderland"));
        command.addAll(List.of(arguments));
        return TestPrograms.run(command);
    }

    private Path writeLocal(String name, String content) throws IOException {
        Path file = temp.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    /** Relative path to content of every regular file below {@code root}. */
    private static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(path).toString(), Files.readAllBytes(path));
            }
        }
        return files;
    }

    private static void assertTreesEqual(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name));
    }
}
