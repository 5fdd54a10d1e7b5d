package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPConnectionClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code metrics} and {@code webconsole} features in the built server, as an operator uses them: Prometheus'
 * text format scraped over HTTP while real FTP clients (curl, Apache Commons Net) log in and move files, and the
 * Felix Web Console's Wharf page driven in a real headless browser (Debian's {@code chromium}, over the DevTools
 * protocol) to see a live session, kick it and lift a ban.
 */
class OperationsEndToEndIT {

    private static final Pattern DEMO_PASSWORD = Pattern.compile("Demo account created: user 'demo' password '([^']+)'");
    private static final Pattern CONSOLE_PASSWORD =
            Pattern.compile("Web console password created: user 'admin' password '([^']+)'");
    private static final long WAIT_MILLIS = 30_000;

    private Path server;
    private Path log;
    private Process process;
    private int ftpPort;
    private int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void startServer() throws Exception {
        server = ServerLogs.unpack("ops");
        ftpPort = freePort();
        httpPort = freePort();
        int passiveStart = 40_000 + new Random().nextInt(20_000);
        Files.writeString(server.resolve("etc/dev.wharf.listener-main.cfg"), String.join("\n",
                "bind = 127.0.0.1", "port = " + ftpPort, "passive.ports = " + passiveStart + "-" + (passiveStart + 49),
                "idle.timeout = 60", ""));
        // only the port differs from the features' default (so that tests can run beside a real server)
        Files.writeString(server.resolve("etc/org.apache.felix.http.cfg"), String.join("\n",
                "org.apache.felix.http.host = 127.0.0.1", "org.osgi.service.http.port = " + httpPort,
                "org.apache.felix.https.enable = false", ""));
        // two failed logins ban an address, so that a test can see a ban without a long run of guesses
        Files.writeString(server.resolve("etc/dev.wharf.security.cfg"), "ban.after.failures = 2\n");
        Path features = server.resolve("etc/features.properties");
        String list = Files.readString(features).replaceAll("(?m)^features = (.*)$", "features = $1, metrics, webconsole");
        Files.writeString(features, list);
        log = server.resolve("var/ops.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(server.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = builder.start();
        awaitLog("accepting FTP connections on 127.0.0.1:" + ftpPort);
        awaitLog("Serving 1 user");
        String jetty = awaitLog("Started ServerConnector");
        assertTrue(jetty.contains("{127.0.0.1:" + httpPort + "}"), "HTTP listens on loopback only: " + jetty);
    }

    @AfterEach
    void stopServer() throws Exception {
        ServerLogs.stop(process);
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void metricsCountExactlyWhatRealClientsDid() throws Exception {
        String password = match(DEMO_PASSWORD, awaitLog("Demo account created"));
        String user = "demo:" + password;
        String base = "ftp://127.0.0.1:" + ftpPort + "/";
        Map<String, Double> before = awaitMetrics();
        assertEquals("text/plain; version=0.0.4; charset=utf-8", scrapeResponse().headers()
                .firstValue("Content-Type").orElse(""));

        FTPClient held = new FTPClient();
        held.setDefaultTimeout(30_000);
        held.connect("127.0.0.1", ftpPort);
        assertTrue(held.login("demo", password), held.getReplyString());
        String loggedInNow = "wharf_sessions_logged_in{port=\"" + ftpPort + "\"}";
        assertEquals(1.0, awaitValue(loggedInNow, 1.0), "the open session is counted on its listener's port");

        byte[] content = new byte[300_000];
        new Random(11).nextBytes(content);
        Path upload = server.resolve("metrics-upload.bin");
        Files.write(upload, content);
        Result stored = curl("--user", user, "-T", upload.toString(), base + "m.bin");
        assertEquals(0, stored.exitCode(), stored.output());
        Path download = server.resolve("metrics-download.bin");
        Result fetched = curl("--user", user, "-o", download.toString(), base + "m.bin");
        assertEquals(0, fetched.exitCode(), fetched.output());
        assertArrayEquals(sha256(content), sha256(Files.readAllBytes(download)));
        Result tls = curl("--user", user, "--ssl-reqd", "--insecure", "--list-only", base);
        assertEquals(0, tls.exitCode(), tls.output());
        assertTrue(tls.output().lines().anyMatch("m.bin"::equals), tls.output());
        Result refused = curl("--user", "demo:wrong-" + password, base);
        assertEquals(67, refused.exitCode(), refused.output());
        held.logout();
        held.disconnect();

        // logins: the held session, upload, download, the TLS listing; one wrong password
        Map<String, Double> expected = new HashMap<>();
        expected.put("wharf_logins_total{result=\"ok\"}", 4.0);
        expected.put("wharf_logins_total{result=\"failed\"}", 1.0);
        expected.put("wharf_logins_total{result=\"banned\"}", 0.0);
        expected.put("wharf_auth_duration_seconds_count{backend=\"passwd\"}", 5.0);
        expected.put("wharf_transfers_total{direction=\"upload\",complete=\"true\"}", 1.0);
        expected.put("wharf_transfers_total{direction=\"download\",complete=\"true\"}", 1.0);
        expected.put("wharf_transfers_total{direction=\"upload\",complete=\"false\"}", 0.0);
        expected.put("wharf_transfer_bytes_total{direction=\"upload\"}", (double) content.length);
        expected.put("wharf_transfer_bytes_total{direction=\"download\"}", (double) content.length);
        expected.put("wharf_transfer_duration_seconds_count{direction=\"upload\"}", 1.0);
        expected.put("wharf_transfer_duration_seconds_count{direction=\"download\"}", 1.0);
        expected.put("wharf_tls_handshakes_total{channel=\"control\",result=\"ok\"}", 1.0);
        expected.put("wharf_tls_handshakes_total{channel=\"data\",result=\"ok\"}", 1.0);
        expected.put("wharf_tls_handshakes_total{channel=\"control\",result=\"failed\"}", 0.0);
        expected.put("wharf_connections_total", 5.0);
        expected.put("wharf_bans_total", 0.0);
        Map<String, Double> after = awaitDeltas(before, expected);
        expected.forEach((name, delta) -> assertEquals(delta, after.getOrDefault(name, 0.0)
                - before.getOrDefault(name, 0.0), name));
        assertEquals(0.0, awaitValue(loggedInNow, 0.0), "no session once the clients left");

        // a second wrong password within the window bans the address
        // (the server answers 421 and closes, which curl reports as a timeout, 28, rather than a refused login)
        Result second = curl("--user", "demo:wrong-again", base);
        assertTrue(second.exitCode() != 0, second.output());
        assertEquals(1.0, awaitValue("wharf_bans_total", before.getOrDefault("wharf_bans_total", 0.0) + 1)
                - before.getOrDefault("wharf_bans_total", 0.0));
        assertEquals(1.0, awaitValue("wharf_banned_addresses", 1.0));
        assertEquals(2.0, scrape().get("wharf_logins_total{result=\"failed\"}")
                - before.getOrDefault("wharf_logins_total{result=\"failed\"}", 0.0));
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theWebConsoleInAHeadlessBrowserShowsALiveSessionKicksItAndLiftsABan() throws Exception {
        String consolePassword = match(CONSOLE_PASSWORD, awaitLog("Web console password created"));
        String demoPassword = match(DEMO_PASSWORD, awaitLog("Demo account created"));
        Path passwordFile = server.resolve("var/webconsole.passwd");
        String stored = Files.readString(passwordFile).strip();
        assertTrue(stored.startsWith("$argon2id$"), "kept hashed: " + stored);
        assertTrue(!stored.contains(consolePassword));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(passwordFile)));
        String page = "http://127.0.0.1:" + httpPort + "/system/console/wharf";
        assertEquals(401, get(page, null).statusCode(), "no credentials");
        assertEquals(401, get(page, "admin:admin").statusCode(), "the Web Console's stock password is refused");
        assertEquals(401, get(page, "admin:" + consolePassword + "x").statusCode(), "a wrong password");
        assertEquals(200, awaitStatus(page, "admin:" + consolePassword, 200));

        FTPClient ftp = new FTPClient();
        ftp.setDefaultTimeout(30_000);
        ftp.connect("127.0.0.1", ftpPort);
        assertTrue(ftp.login("demo", demoPassword), ftp.getReplyString());
        ftp.setFileType(FTP.BINARY_FILE_TYPE);

        try (Browser browser = Browser.start(server.resolve("var/chromium"))) {
            browser.call("Network.enable", Json.createObjectBuilder().build());
            browser.call("Network.setExtraHTTPHeaders", Json.createObjectBuilder().add("headers",
                    Json.createObjectBuilder().add("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                            ("admin:" + consolePassword).getBytes(StandardCharsets.UTF_8)))).build());
            browser.call("Page.enable", Json.createObjectBuilder().build());
            browser.load(() -> browser.call("Page.navigate", Json.createObjectBuilder().add("url", page).build()));
            assertEquals("Apache Felix Web Console - Wharf", browser.evaluate("document.title"));
            JsonArray rows = Json.createReader(new StringReader(browser.evaluate(
                    "JSON.stringify([...document.querySelectorAll('tr.wharf-session')]"
                            + ".map(row => [row.dataset.id, row.dataset.account]))"))).readArray();
            assertEquals(1, rows.size(), rows.toString());
            assertEquals("demo", rows.getJsonArray(0).getString(1), "the live FTP session is listed");
            String id = rows.getJsonArray(0).getString(0);

            browser.load(() -> browser.evaluate("document.getElementById('kick-" + id + "').click(); 'clicked'"));
            assertEquals("Session " + id + " disconnected.", browser.evaluate(
                    "document.getElementById('wharf-message').textContent"));
            assertEquals("0", browser.evaluate("String(document.querySelectorAll('tr.wharf-session').length)"));
            FTPConnectionClosedException closed = assertThrows(FTPConnectionClosedException.class, ftp::sendNoOp);
            assertEquals(421, ftp.getReplyCode(), closed.toString());
            assertTrue(ftp.getReplyString().contains("Disconnected by the administrator"), ftp.getReplyString());

            // two wrong passwords ban 127.0.0.1; the page lists the ban and lifts it
            String base = "ftp://127.0.0.1:" + ftpPort + "/";
            assertEquals(67, curl("--user", "demo:wrong1", base).exitCode());
            assertTrue(curl("--user", "demo:wrong2", base).exitCode() != 0, "the failure that bans gets 421");
            Result whileBanned = curl("--user", "demo:" + demoPassword, "--list-only", base);
            assertTrue(whileBanned.exitCode() != 0, "banned: " + whileBanned.output());
            browser.load(() -> browser.call("Page.reload", Json.createObjectBuilder().build()));
            assertEquals("127.0.0.1", browser.evaluate(
                    "[...document.querySelectorAll('tr.wharf-ban')].map(row => row.dataset.address).join(',')"));
            browser.load(() -> browser.evaluate("document.getElementById('unban-127.0.0.1').click(); 'clicked'"));
            assertEquals("Ban on 127.0.0.1 lifted.", browser.evaluate(
                    "document.getElementById('wharf-message').textContent"));
            assertEquals("0", browser.evaluate("String(document.querySelectorAll('tr.wharf-ban').length)"));
            Result again = curl("--user", "demo:" + demoPassword, "--list-only", base);
            assertEquals(0, again.exitCode(), "unbanned: " + again.output());
        }
        // a form from another site, without the page's token, cannot act
        HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(page))
                .header("Authorization", basic("admin:" + consolePassword))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=unban&address=127.0.0.1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forged.statusCode());
    }

    /** A headless chromium driven over the DevTools protocol: one page, commands and events as JSON. */
    private static final class Browser implements AutoCloseable {
        private final Process chromium;
        private final WebSocket socket;
        /** Every message from chromium, in order: answers to commands and events. */
        private final LinkedBlockingQueue<JsonObject> incoming;
        private final List<JsonObject> events = new ArrayList<>();
        private final AtomicInteger ids = new AtomicInteger();

        private Browser(Process chromium, WebSocket socket, LinkedBlockingQueue<JsonObject> incoming) {
            this.chromium = chromium;
            this.socket = socket;
            this.incoming = incoming;
        }

        static Browser start(Path profile) throws Exception {
            Files.createDirectories(profile);
            Process chromium;
            try {
                chromium = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking", "--remote-debugging-port=0",
                        "--user-data-dir=" + profile, "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException notInstalled) {
                throw new AssertionError("this test needs Debian's chromium (apt-get install chromium)", notInstalled);
            }
            String devTools = null;
            BufferedReader errors = new BufferedReader(new InputStreamReader(chromium.getErrorStream(),
                    StandardCharsets.UTF_8));
            for (String line = errors.readLine(); line != null; line = errors.readLine()) {
                if (line.startsWith("DevTools listening on ")) {
                    devTools = line.substring("DevTools listening on ".length()).trim();
                    break;
                }
            }
            assertTrue(devTools != null, "chromium announced its DevTools endpoint");
            // keep draining its messages so that it never blocks on a full pipe
            Thread.ofVirtual().start(() -> errors.lines().forEach(ignored -> { }));
            URI browserUri = URI.create(devTools);
            HttpClient client = HttpClient.newHttpClient();
            String pageSocket = null;
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (pageSocket == null && System.currentTimeMillis() < deadline) {
                String list = client.send(HttpRequest.newBuilder(URI.create("http://" + browserUri.getAuthority()
                        + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body();
                try (JsonReader reader = Json.createReader(new StringReader(list))) {
                    for (JsonValue target : reader.readArray()) {
                        if ("page".equals(target.asJsonObject().getString("type"))) {
                            pageSocket = target.asJsonObject().getString("webSocketDebuggerUrl");
                        }
                    }
                }
                if (pageSocket == null) {
                    Thread.sleep(100);
                }
            }
            assertTrue(pageSocket != null, "chromium has a page");
            LinkedBlockingQueue<JsonObject> queue = new LinkedBlockingQueue<>();
            WebSocket socket = client.newWebSocketBuilder().buildAsync(URI.create(pageSocket),
                    new WebSocket.Listener() {
                        private final StringBuilder message = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            message.append(data);
                            if (last) {
                                queue.add(Json.createReader(new StringReader(message.toString())).readObject());
                                message.setLength(0);
                            }
                            webSocket.request(1);
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
            return new Browser(chromium, socket, queue);
        }

        /** Sends a command and returns its {@code result}; events that arrive meanwhile are kept. */
        JsonObject call(String method, JsonObject params) throws Exception {
            int id = ids.incrementAndGet();
            socket.sendText(Json.createObjectBuilder().add("id", id).add("method", method).add("params", params)
                    .build().toString(), true).get(30, TimeUnit.SECONDS);
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (System.currentTimeMillis() < deadline) {
                JsonObject message = incoming.poll(200, TimeUnit.MILLISECONDS);
                if (message == null) {
                    continue;
                }
                if (message.containsKey("id") && message.getInt("id") == id) {
                    if (message.containsKey("error")) {
                        fail(method + " failed: " + message.get("error"));
                    }
                    return message.getJsonObject("result");
                }
                synchronized (events) {
                    events.add(message);
                }
            }
            fail("no answer to " + method + " within " + WAIT_MILLIS + " ms");
            return null;
        }

        /** The value of a JavaScript expression in the page, as text. */
        String evaluate(String expression) throws Exception {
            JsonObject result = call("Runtime.evaluate", Json.createObjectBuilder().add("expression", expression)
                    .add("returnByValue", true).build());
            if (result.containsKey("exceptionDetails")) {
                fail(expression + " threw: " + result.get("exceptionDetails"));
            }
            JsonValue value = result.getJsonObject("result").get("value");
            return value instanceof jakarta.json.JsonString text ? text.getString() : String.valueOf(value);
        }

        interface Action {
            void run() throws Exception;
        }

        /** Runs {@code action} and waits for the page it leads to to have loaded. */
        void load(Action action) throws Exception {
            synchronized (events) {
                events.clear();
            }
            action.run();
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (System.currentTimeMillis() < deadline) {
                synchronized (events) {
                    if (events.stream().anyMatch(event -> "Page.loadEventFired".equals(event.getString("method", "")))) {
                        return;
                    }
                }
                JsonObject message = incoming.poll(200, TimeUnit.MILLISECONDS);
                if (message != null) {
                    synchronized (events) {
                        events.add(message);
                    }
                }
            }
            fail("the page did not load within " + WAIT_MILLIS + " ms");
        }

        @Override
        public void close() throws Exception {
            socket.abort();
            chromium.destroy();
            if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
                chromium.destroyForcibly();
            }
        }
    }

    private HttpResponse<String> get(String url, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (credentials != null) {
            request.header("Authorization", basic(credentials));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    /** The Web Console registers its pages a moment after Jetty is up. */
    private int awaitStatus(String url, String credentials, int wanted) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        int status = get(url, credentials).statusCode();
        while (status != wanted && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            status = get(url, credentials).statusCode();
        }
        return status;
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theHealthEndpointFollowsTheServersHealth() throws Exception {
        String url = "http://127.0.0.1:" + httpPort + "/health";
        assertEquals(200, awaitStatus(url, null, 200));
        HttpResponse<String> healthy = get(url, null);
        assertTrue(healthy.body().endsWith("health: OK\n"), healthy.body());
        assertTrue(healthy.body().contains("listener main"), healthy.body());

        // a second listener on the port the first one holds cannot bind: the report says which, with 503
        Path broken = server.resolve("etc/dev.wharf.listener-clash.cfg");
        Files.writeString(broken, "bind = 127.0.0.1\nport = " + ftpPort + "\n");
        assertEquals(503, awaitStatus(url, null, 503));
        HttpResponse<String> failing = get(url, null);
        assertTrue(failing.body().contains("FAILING listener clash: failed: "), failing.body());
        assertTrue(failing.body().endsWith("health: FAILING (1 problem)\n"), failing.body());

        Files.delete(broken);
        assertEquals(200, awaitStatus(url, null, 200), "healthy again once the file is gone");
    }

    private HttpResponse<String> scrapeResponse() throws Exception {
        return get("http://127.0.0.1:" + httpPort + "/metrics", null);
    }

    /** Every sample of {@code /metrics}: the series (name and labels) and its value. */
    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> response = scrapeResponse();
        assertEquals(200, response.statusCode(), response.body());
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    /** The first scrape once the servlet is registered (a moment after Jetty starts). */
    private Map<String, Double> awaitMetrics() throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (scrapeResponse().statusCode() != 200 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        return scrape();
    }

    /** Events reach the metrics asynchronously: scrape until {@code series} shows {@code value} (or time is up). */
    private double awaitValue(String series, double value) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        double current = scrape().getOrDefault(series, 0.0);
        while (current != value && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            current = scrape().getOrDefault(series, 0.0);
        }
        return current;
    }

    /** Scrapes until every expected difference to {@code before} is reached (or time is up); the last scrape. */
    private Map<String, Double> awaitDeltas(Map<String, Double> before, Map<String, Double> expected)
            throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        Map<String, Double> now = scrape();
        while (System.currentTimeMillis() < deadline && !expected.entrySet().stream().allMatch(entry ->
                now.getOrDefault(entry.getKey(), 0.0) - before.getOrDefault(entry.getKey(), 0.0)
                        == entry.getValue())) {
            Thread.sleep(100);
            now.clear();
            now.putAll(scrape());
        }
        return now;
    }

    private static String match(Pattern pattern, String line) {
        Matcher matcher = pattern.matcher(line);
        assertTrue(matcher.find(), line);
        return matcher.group(1);
    }

    private String awaitLog(String text) throws Exception {
        return ServerLogs.awaitLine(log, process, text, WAIT_MILLIS);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result curl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "60"));
        command.addAll(List.of(arguments));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try {
                return curl.getInputStream().readAllBytes();
            } catch (IOException failed) {
                return failed.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        assertTrue(curl.waitFor(90, TimeUnit.SECONDS), "curl finished");
        return new Result(curl.exitValue(), new String(output.get(), StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
