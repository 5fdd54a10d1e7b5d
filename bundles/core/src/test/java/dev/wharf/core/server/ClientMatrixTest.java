package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.core.server.TestPrograms.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * curl, lftp and Python's ftplib (stock, and resuming the control session on data connections) over plain FTP,
 * explicit and implicit TLS, TLS 1.2 and 1.3: every file uploaded and downloaded, sha256 compared on both sides.
 * Files of 0 B, 1 KB, 150 KB and 1 MB everywhere, 50 MB for some combinations to keep the run short. Stock ftplib
 * starts a fresh TLS session on each data connection, so it needs {@code tls.session.reuse = false}; the others
 * pass with the default.
 */
class ClientMatrixTest {

    enum Client { CURL, LFTP, FTPLIB_RESUMING, FTPLIB_STOCK }

    enum Transport {
        PLAIN(null, null), EXPLICIT_TLS12("explicit", "TLSv1.2"), EXPLICIT_TLS13("explicit", "TLSv1.3"),
        IMPLICIT_TLS12("implicit", "TLSv1.2"), IMPLICIT_TLS13("implicit", "TLSv1.3");

        final String mode;
        final String protocol;

        Transport(String mode, String protocol) {
            this.mode = mode;
            this.protocol = protocol;
        }

        Map<String, Object> settings() {
            Map<String, Object> settings = new HashMap<>();
            if (mode != null) {
                settings.put("tls.protocols", protocol);
                settings.put(mode.equals("implicit") ? "tls.implicit" : "tls", mode.equals("implicit") ? "true" : "3");
            }
            return settings;
        }
    }

    private static final Map<String, Integer> SIZES = new LinkedHashMap<>();
    private static final String BIG = "50m";

    static {
        SIZES.put("0", 0);
        SIZES.put("1k", 1024);
        SIZES.put("150k", 150 * 1024);
        SIZES.put("1m", 1 << 20);
        SIZES.put(BIG, 50 << 20);
    }

    /** The combinations that also move 50 MB each way: every client once, TLS 1.2 and 1.3. */
    private static final Set<String> WITH_BIG_FILE = Set.of("CURL/EXPLICIT_TLS13", "CURL/PLAIN", "LFTP/IMPLICIT_TLS12",
            "FTPLIB_RESUMING/EXPLICIT_TLS12", "FTPLIB_STOCK/IMPLICIT_TLS13");

    @TempDir
    static Path temp;
    static Path files;
    static final Map<String, String> DIGESTS = new HashMap<>();

    @BeforeAll
    static void makeFiles() throws Exception {
        files = Files.createDirectories(temp.resolve("files"));
        Random random = new Random(22);
        for (Map.Entry<String, Integer> size : SIZES.entrySet()) {
            for (String direction : List.of("up-", "down-")) {
                Path file = files.resolve(direction + size.getKey() + ".bin");
                byte[] block = new byte[1 << 20];
                try (OutputStream out = Files.newOutputStream(file)) {
                    for (int left = size.getValue(); left > 0; left -= block.length) {
                        random.nextBytes(block);
                        out.write(block, 0, Math.min(left, block.length));
                    }
                }
                DIGESTS.put(file.getFileName().toString(), sha256(file));
            }
        }
    }

    static Stream<Arguments> combinations() {
        List<Arguments> combinations = new ArrayList<>();
        for (Client client : Client.values()) {
            for (Transport transport : Transport.values()) {
                if (client != Client.FTPLIB_RESUMING || transport != Transport.PLAIN) {
                    combinations.add(Arguments.of(client, transport));
                }
            }
        }
        return combinations.stream();
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("combinations")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyFileArrivesWhole(Client client, Transport transport) throws Exception {
        Map<String, Object> settings = transport.settings();
        if (client == Client.FTPLIB_STOCK) {
            settings.put("tls.session.reuse", "false");
        }
        List<String> names = new ArrayList<>();
        for (String size : SIZES.keySet()) {
            if (!size.equals(BIG) || WITH_BIG_FILE.contains(client + "/" + transport)) {
                names.add(size + ".bin");
            }
        }
        Path directory = Files.createDirectories(temp.resolve(client + "-" + transport));
        try (TestServer server = new TestServer(directory.resolve("server"), settings)) {
            Path home = server.home("alice");
            Path local = Files.createDirectories(directory.resolve("client"));
            for (String name : names) {
                Files.copy(files.resolve("down-" + name), home.resolve("down-" + name));
                Files.copy(files.resolve("up-" + name), local.resolve("up-" + name));
            }

            String output = switch (client) {
                case CURL -> curl(server.port(), transport, local, names);
                case LFTP -> lftp(server.port(), transport, local, names);
                case FTPLIB_RESUMING, FTPLIB_STOCK -> ftplib(server.port(), transport, local, names,
                        client == Client.FTPLIB_RESUMING);
            };

            for (String name : names) {
                assertEquals(DIGESTS.get("up-" + name), sha256(home.resolve("up-" + name)),
                        "uploaded " + name + " on the server's disk\n" + output);
                assertEquals(DIGESTS.get("down-" + name), sha256(local.resolve("back-" + name)),
                        "downloaded " + name + " on the client's disk\n" + output);
            }
            if (client == Client.FTPLIB_RESUMING) {
                assertEquals(2 * names.size(), output.lines().filter(line -> line.endsWith(" resumed")).count(),
                        "every data connection resumed the control session:\n" + output);
            }
            if (client == Client.FTPLIB_STOCK && transport.mode != null) {
                assertEquals(2 * names.size(), output.lines().filter(line -> line.endsWith(" fresh")).count(),
                        "stock ftplib resumes no session:\n" + output);
            }
            if (transport.protocol != null && client.name().startsWith("FTPLIB")) {
                assertTrue(output.contains("TLS " + transport.protocol), output);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stockFtplibIsRefusedWhileSessionReuseIsRequired(String protocol) throws Exception {
        Path directory = Files.createDirectories(temp.resolve("stock-refused-" + protocol));
        try (TestServer server = new TestServer(directory.resolve("server"),
                Map.of("tls", "3", "tls.protocols", protocol))) {
            Path local = Files.createDirectories(directory.resolve("client"));
            Files.copy(files.resolve("up-1k.bin"), local.resolve("up-1k.bin"));
            Result result = TestPrograms.run(List.of("python3", script(), "127.0.0.1",
                    Integer.toString(server.port()), "explicit", "stock", local.toString(), "1k.bin"));
            // the refusal may reach ftplib as a broken pipe first, the 425 being read by the next command
            assertTrue(result.output().contains("STOR up-1k.bin failed"), result.output());
            assertTrue(result.output().contains("425 Data connection refused: it did not resume the TLS session of"
                    + " the control connection"), result.output());
            assertFalse(Files.exists(server.home("alice").resolve("up-1k.bin")), "nothing stored");
        }
    }

    private static String curl(int port, Transport transport, Path local, List<String> names) throws Exception {
        String url = (transport.mode != null && transport.mode.equals("implicit") ? "ftps://" : "ftp://")
                + "127.0.0.1:" + port + "/";
        List<String> common = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "90",
                "--user", "alice:wonderland"));
        if (transport.mode != null) {
            String version = transport.protocol.substring("TLSv".length());
            common.addAll(List.of("--ssl-reqd", "--insecure", "--tlsv" + version, "--tls-max", version));
        }
        // one transfer per run: curl reusing its connection for a second transfer offers no TLS 1.3 session on
        // the data connection (curl issue #4654), which a server requiring session reuse refuses
        StringBuilder output = new StringBuilder();
        for (String name : names) {
            List<String> upload = new ArrayList<>(common);
            upload.addAll(List.of("-T", local.resolve("up-" + name).toString(), url + "up-" + name));
            Result up = TestPrograms.run(upload);
            assertEquals(0, up.exitCode(), "curl upload of " + name + ": " + up.output());
            List<String> download = new ArrayList<>(common);
            download.addAll(List.of("-o", local.resolve("back-" + name).toString(), url + "down-" + name));
            Result down = TestPrograms.run(download);
            assertEquals(0, down.exitCode(), "curl download of " + name + ": " + down.output());
            output.append(up.output()).append(down.output());
        }
        return output.toString();
    }

    private static String lftp(int port, Transport transport, Path local, List<String> names) throws Exception {
        StringBuilder script = new StringBuilder("set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 30;"
                + " set ftp:passive-mode on;");
        if (transport.mode == null) {
            script.append(" set ftp:ssl-allow no;");
        } else {
            script.append(" set ftp:ssl-force true; set ftp:ssl-protect-data true; set ftp:ssl-protect-list true;"
                    + " set ssl:verify-certificate no;");
        }
        script.append(" open -u alice,wonderland -p ").append(port)
                .append(transport.mode != null && transport.mode.equals("implicit") ? " ftps://" : " ftp://")
                .append("127.0.0.1;");
        for (String name : names) {
            script.append(" put '").append(local.resolve("up-" + name)).append("' -o up-").append(name).append(';');
        }
        for (String name : names) {
            script.append(" get down-").append(name).append(" -o '").append(local.resolve("back-" + name))
                    .append("';");
        }
        Result result = TestPrograms.run(List.of("lftp", "-c", script.toString()));
        assertEquals(0, result.exitCode(), "lftp: " + result.output());
        return result.output();
    }

    private static String ftplib(int port, Transport transport, Path local, List<String> names, boolean resuming)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", script(), "127.0.0.1", Integer.toString(port),
                transport.mode == null ? "plain" : transport.mode, resuming ? "reuse" : "stock", local.toString()));
        command.addAll(names);
        Result result = TestPrograms.run(command);
        assertEquals(0, result.exitCode(), "ftplib: " + result.output());
        for (String name : names) {
            assertTrue(result.output().contains("STOR up-" + name + " ok"), result.output());
            assertTrue(result.output().contains("RETR down-" + name + " ok"), result.output());
        }
        return result.output();
    }

    private static synchronized String script() throws IOException {
        Path script = temp.resolve("ftplib_matrix.py");
        if (!Files.exists(script)) {
            try (InputStream in = ClientMatrixTest.class.getResourceAsStream("/ftplib_matrix.py")) {
                Files.copy(in, script);
            }
        }
        return script.toString();
    }

    private static String sha256(Path file) throws Exception {
        if (!Files.exists(file)) {
            return "(missing)";
        }
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
