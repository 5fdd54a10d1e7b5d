package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.core.server.TestPrograms.Result;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ABOR during 256 MB transfers, sent the ways clients send it: as a plain line, as TCP urgent data (Python's
 * {@code ftplib.FTP.abort()}), and after Telnet IP + Synch with the DM or the IAC before it as the urgent byte
 * (RFC 959 4.1.3; lftp, BSD ftp). Each time the transfer's 426 comes first, then ABOR's 226, the server stops
 * moving data, nothing of an aborted upload is left, and the session goes on.
 */
class AbortTest {

    private static final long SIZE = 256L << 20;
    /** KB/s: loopback would otherwise take the whole upload before the ABOR is read. */
    private static final String UPLOAD_LIMIT = "51200";

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}, ABOR sent {1}")
    @CsvSource({"download, plain", "download, urgent", "download, synch", "download, bsd",
            "upload, plain", "upload, urgent", "upload, synch", "upload, bsd"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aborEndsTheTransfer(String direction, String way) throws Exception {
        try (TestServer server = new TestServer(temp.resolve("users"), direction.equals("upload")
                ? Map.of("limits.bandwidth.upload", UPLOAD_LIMIT) : Map.of())) {
            abort(server, server.home("alice"), direction, way);
        }
    }

    private void abort(TestServer server, Path home, String direction, String way) throws Exception {
        if (direction.equals("download")) {
            try (RandomAccessFile file = new RandomAccessFile(home.resolve("big.bin").toFile(), "rw")) {
                file.setLength(SIZE);
            }
        }
        Result result = TestPrograms.run(List.of("python3", script().toString(), "127.0.0.1", Integer.toString(server.port()),
                direction, way, "big.bin"));
        String output = result.output();
        assertEquals(0, result.exitCode(), output);
        List<String> replies = output.lines().filter(line -> line.startsWith("REPLY ")).toList();
        assertEquals(2, replies.size(), output);
        assertTrue(replies.get(0).startsWith("REPLY 426 "), "the transfer's own reply first: " + output);
        assertTrue(replies.get(1).startsWith("REPLY 226 "), "then ABOR's: " + output);
        assertTrue(output.contains("PWD /"), "the session goes on: " + output);

        if (direction.equals("download")) {
            Matcher ended = Pattern.compile("DATA ENDED after (\\d+) bytes").matcher(output);
            assertTrue(ended.find(), output);
            assertTrue(Long.parseLong(ended.group(1)) < SIZE / 2, "the server stopped sending: " + output);
            assertEquals(SIZE, Files.size(home.resolve("big.bin")), "the file itself is untouched");
        } else {
            Matcher ended = Pattern.compile("SENDER ENDED (\\w+) after (\\d+) bytes").matcher(output);
            assertTrue(ended.find(), output);
            assertEquals("yes", ended.group(1), "the server closed the data connection: " + output);
            assertTrue(Long.parseLong(ended.group(2)) < SIZE, output);
            try (var left = Files.list(home)) {
                assertEquals(List.of(), left.map(path -> path.getFileName().toString()).toList(),
                        "neither big.bin nor a temporary file is left");
            }
        }
    }

    private Path script() throws Exception {
        Path script = temp.resolve("abort_client.py");
        try (InputStream in = AbortTest.class.getResourceAsStream("/abort_client.py")) {
            Files.copy(in, script);
        }
        return script;
    }
}
