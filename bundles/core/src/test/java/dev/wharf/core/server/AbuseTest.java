package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.api.auth.AuthBusyException;
import dev.wharf.api.auth.AuthResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attacker on the network can do to the server, measured as the abuse report measured it: slow and idle
 * connections, password guessing in parallel, timing probes for user names, connect bursts, passive-port
 * exhaustion. Several client addresses come from 127.0.0.0/8.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AbuseTest {

    @TempDir
    Path temp;

    /** A raw control connection from {@code source}, greeting read. */
    private record Client(Socket socket, BufferedReader in, OutputStream out, String greeting) implements AutoCloseable {

        static Client open(String source, int port) throws IOException {
            Socket socket = new Socket();
            try {
                socket.bind(new InetSocketAddress(source, 0));
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                socket.setSoTimeout(30_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                return new Client(socket, in, socket.getOutputStream(), finalLine(in));
            } catch (IOException failed) {
                socket.close();
                throw failed;
            }
        }

        String send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return finalLine(in);
        }

        /**
         * The final line of the next reply, or null at end of stream: a reply is one {@code ddd text} line, or a
         * {@code ddd-} line, any lines, and a {@code ddd text} line with the same code (RFC 959 4.2).
         */
        static String finalLine(BufferedReader in) throws IOException {
            String first = in.readLine();
            if (first == null) {
                return null;
            }
            if (!first.matches("(?s)\\d{3}[ -].*")) {
                throw new IOException("malformed reply line: " + first);
            }
            if (first.charAt(3) == ' ') {
                return first;
            }
            String end = first.substring(0, 3) + " ";
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith(end)) {
                    return line;
                }
            }
            return null;
        }

        /** Reads until the server closes the connection; returns the last reply line seen (or null). */
        String lastLineBeforeClose() throws IOException {
            String last = null;
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    last = line;
                }
            } catch (java.net.SocketException reset) {
                // closed by the server while we wrote: closed all the same
            }
            return last;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The last line a connection got before the server closed it, and when, read on a thread of its own. */
    private record Ending(Thread thread, String[] last, long[] closedAt) {
        static Ending watch(Client client) {
            String[] last = new String[1];
            long[] closedAt = new long[1];
            Thread thread = Thread.ofVirtual().start(() -> {
                try {
                    last[0] = client.lastLineBeforeClose();
                } catch (IOException failed) {
                    last[0] = "read failed: " + failed;
                }
                closedAt[0] = System.nanoTime();
            });
            return new Ending(thread, last, closedAt);
        }
    }

    private TestServer server(Map<String, Object> settings) throws IOException {
        return new TestServer(temp.resolve("users"), settings);
    }

    @Test
    void slowSendersAreCutAtTheirDeadlineAndNeverLockOutARealUser() throws Exception {
        // five logged-in places only: before, 60 connections that never log in took them all
        try (TestServer server = server(Map.of("max.clients", "5", "login.timeout", "8", "line.timeout", "3"))) {
            List<Client> trickling = new ArrayList<>();
            List<Client> idling = new ArrayList<>();
            for (int address = 11; address <= 16; address++) {
                for (int i = 0; i < 10; i++) {
                    Client client = Client.open("127.0.0." + address, server.port());
                    assertTrue(client.greeting().startsWith("220"), client.greeting());
                    (i % 2 == 0 ? trickling : idling).add(client);
                }
            }
            long started = System.nanoTime();
            // each connection is read all the time, so that its 421 is taken before the next byte written to the
            // closed connection draws a reset
            List<Ending> trickleEnds = trickling.stream().map(Ending::watch).toList();
            List<Ending> idleEnds = idling.stream().map(Ending::watch).toList();
            // one byte a second of a line that never ends, or a whole NOOP every second without logging in
            Thread feeder = Thread.ofVirtual().start(() -> {
                byte[] slowly = "USER someone-who-types-slowly".getBytes(StandardCharsets.US_ASCII);
                for (int second = 0; second < 15; second++) {
                    for (Client client : trickling) {
                        try {
                            client.out().write(slowly[second % slowly.length]);
                        } catch (IOException closed) {
                            // cut by the server: that is the point
                        }
                    }
                    for (Client client : idling) {
                        try {
                            client.out().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                        } catch (IOException closed) {
                            // cut by the server
                        }
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            });
            Thread.sleep(1500);
            long before = System.nanoTime();
            FTPClient real = server.loggedIn();
            long loginMillis = (System.nanoTime() - before) / 1_000_000;
            assertTrue(loginMillis < 1000, "a real user logged in within a second, not " + loginMillis + " ms");
            assertTrue(real.sendNoOp());
            real.disconnect();

            for (Ending ending : trickleEnds) {
                ending.thread().join(20_000);
                assertNotNull(ending.last()[0], "the slow sender got a reply before being cut");
                assertTrue(ending.last()[0].startsWith("421") && ending.last()[0].contains("not completed in time"),
                        ending.last()[0]);
                long seconds = (ending.closedAt()[0] - started) / 1_000_000_000L;
                assertTrue(seconds <= 6, "cut at the 3 s line deadline, not after " + seconds + " s");
            }
            for (Ending ending : idleEnds) {
                ending.thread().join(20_000);
                assertNotNull(ending.last()[0]);
                assertTrue(ending.last()[0].startsWith("421") && ending.last()[0].contains("Login timeout"),
                        ending.last()[0]);
                long seconds = (ending.closedAt()[0] - started) / 1_000_000_000L;
                assertTrue(seconds >= 6 && seconds <= 11, "cut at the 8 s login deadline, not at " + seconds + " s");
            }
            feeder.interrupt();
            for (Client client : trickling) {
                client.close();
            }
            for (Client client : idling) {
                client.close();
            }
        }
    }

    @Test
    void aFullWaitingRoomClosesTheOldestConnectionForANewcomer() throws Exception {
        try (TestServer server = server(Map.of("max.unauthenticated", "5"))) {
            List<Client> waiting = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                waiting.add(Client.open("127.0.0.31", server.port()));
            }
            FTPClient real = server.loggedIn();
            assertTrue(real.sendNoOp());
            String last = waiting.get(0).lastLineBeforeClose();
            assertNotNull(last);
            assertTrue(last.startsWith("421") && last.contains("waiting to log in"), last);
            String newer = waiting.get(4).send("NOOP");
            assertTrue(newer.startsWith("200"), "the newer ones are kept: " + newer);
            real.disconnect();
            for (Client client : waiting) {
                client.close();
            }
        }
    }

    @Test
    void aBanClosesTheAddressesOtherConnectionsAndCountsParallelGuessesAtOnce() throws Exception {
        try (TestServer server = server(Map.of("security.ban.after.failures", "5",
                "security.login.failure.delay", "300", "security.max.per.ip", "20"))) {
            List<Client> bystanders = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Client client = Client.open("127.0.0.41", server.port());
                assertTrue(client.send("USER alice").startsWith("331"));
                bystanders.add(client);
            }
            // ten sessions guess at once: before, each waited out its delay before its failure counted
            AtomicInteger refusedWith530 = new AtomicInteger();
            AtomicInteger bannedWith421 = new AtomicInteger();
            List<Thread> guessers = new ArrayList<>();
            CountDownLatch ready = new CountDownLatch(10);
            for (int i = 0; i < 10; i++) {
                guessers.add(Thread.ofVirtual().start(() -> {
                    try (Client client = Client.open("127.0.0.41", server.port())) {
                        ready.countDown();
                        ready.await();
                        for (int guess = 0; guess < 5; guess++) {
                            client.send("USER alice");
                            String reply = client.send("PASS guess" + guess);
                            if (reply == null || reply.startsWith("421")) {
                                bannedWith421.incrementAndGet();
                                return;
                            }
                            if (reply.startsWith("530")) {
                                refusedWith530.incrementAndGet();
                            }
                        }
                    } catch (IOException | InterruptedException cut) {
                        bannedWith421.incrementAndGet(); // closed by the ban while guessing
                    }
                }));
            }
            for (Thread guesser : guessers) {
                guesser.join(60_000);
            }
            assertTrue(refusedWith530.get() < 5,
                    "at most ban.after.failures guesses are answered, not " + refusedWith530.get());
            assertEquals(10, bannedWith421.get(), "every guessing session ends banned");
            for (Client bystander : bystanders) {
                String last = bystander.lastLineBeforeClose();
                assertNotNull(last, "the banned address's idle connection was told");
                assertTrue(last.startsWith("421") && last.contains("banned"), last);
            }
            try (Client again = Client.open("127.0.0.41", server.port())) {
                assertTrue(again.greeting().startsWith("421") && again.greeting().contains("banned"),
                        again.greeting());
            }
            try (Client other = Client.open("127.0.0.42", server.port())) {
                other.send("USER alice");
                assertTrue(other.send("PASS wonderland").startsWith("230"), "other addresses are not affected");
            }
        }
    }

    /** A backend whose user "slowpoke" costs {@code checkMillis} to check, as a password hash does. */
    private static void addSlowBackend(TestServer server, long checkMillis) {
        server.services.addAuthBackend(request -> {
            if (request.user().equals("busy")) {
                throw new AuthBusyException("every hashing slot is taken");
            }
            if (!request.user().equals("slowpoke")) {
                return AuthResult.unknown();
            }
            try {
                Thread.sleep(checkMillis);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return request.password().equals("right") ? AuthResult.accepted(server.account("alice"))
                    : AuthResult.rejected("wrong password");
        }, TestServer.properties("slow-hash", 10));
    }

    /** Milliseconds from PASS to its reply for one failed login in a new session. */
    private static long failedLoginMillis(TestServer server, String user) throws IOException {
        try (Client client = Client.open("127.0.0.51", server.port())) {
            assertTrue(client.send("USER " + user).startsWith("331"));
            long started = System.nanoTime();
            String reply = client.send("PASS wrong");
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(reply.startsWith("530"), reply);
            return millis;
        }
    }

    @Test
    void failedLoginsOfKnownAndUnknownUsersTakeTheSameTime() throws Exception {
        Map<String, Object> settings = new HashMap<>(Map.of("security.ban.after.failures", "0",
                "security.max.per.ip", "0"));
        try (TestServer server = server(settings)) {
            addSlowBackend(server, 150); // a hash that costs less than the 400 ms failure delay
            List<Long> known = new ArrayList<>();
            List<Long> unknown = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                known.add(failedLoginMillis(server, "slowpoke"));
                unknown.add(failedLoginMillis(server, "nobody-" + i));
            }
            assertAlike(known, unknown);
        }
        settings.put("security.login.failure.delay", "100");
        try (TestServer server = server(settings)) {
            addSlowBackend(server, 500); // a hash slower than the delay: failures wait as long as the slowest check
            List<Long> known = new ArrayList<>();
            List<Long> unknown = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                known.add(failedLoginMillis(server, "slowpoke"));
                unknown.add(failedLoginMillis(server, "nobody-" + i));
            }
            assertAlike(known, unknown);
            assertTrue(Collections.min(unknown) >= 480, "unknown users wait out the slow check too: " + unknown);
        }
    }

    private static void assertAlike(List<Long> known, List<Long> unknown) {
        List<Long> a = new ArrayList<>(known);
        List<Long> b = new ArrayList<>(unknown);
        Collections.sort(a);
        Collections.sort(b);
        long medianGap = Math.abs(a.get(a.size() / 2) - b.get(b.size() / 2));
        String figures = "known " + a + " ms, unknown " + b + " ms";
        assertTrue(a.get(0) <= b.get(b.size() - 1) && b.get(0) <= a.get(a.size() - 1), "ranges overlap: " + figures);
        assertTrue(medianGap < 60, "medians within 60 ms: " + figures);
    }

    @Test
    void aBusyPasswordCheckGets421AndDoesNotCountAsAFailure() throws Exception {
        try (TestServer server = server(Map.of("security.ban.after.failures", "1"))) {
            addSlowBackend(server, 0);
            try (Client client = Client.open("127.0.0.61", server.port())) {
                client.send("USER busy");
                String reply = client.send("PASS whatever");
                assertTrue(reply.startsWith("421") && reply.contains("Too many logins at once"), reply);
            }
            try (Client client = Client.open("127.0.0.61", server.port())) {
                assertTrue(client.greeting().startsWith("220"), "not banned: " + client.greeting());
            }
        }
    }

    @Test
    void loginChecksFromOneAddressAreBounded() throws Exception {
        try (TestServer server = server(Map.of("security.login.checks.per.ip", "1",
                "security.login.check.wait", "0", "security.ban.after.failures", "0"))) {
            addSlowBackend(server, 1500);
            try (Client first = Client.open("127.0.0.71", server.port());
                 Client second = Client.open("127.0.0.71", server.port());
                 Client elsewhere = Client.open("127.0.0.72", server.port())) {
                first.send("USER slowpoke");
                second.send("USER slowpoke");
                elsewhere.send("USER slowpoke");
                Thread checking = Thread.ofVirtual().start(() -> {
                    try {
                        assertTrue(first.send("PASS wrong").startsWith("530"));
                    } catch (IOException failed) {
                        throw new AssertionError(failed);
                    }
                });
                Thread.sleep(300);
                long started = System.nanoTime();
                String refused = second.send("PASS wrong");
                assertTrue(refused.startsWith("421") && refused.contains("from your address"), refused);
                assertTrue((System.nanoTime() - started) / 1_000_000 < 1000, "refused at once");
                assertTrue(elsewhere.send("PASS wrong").startsWith("530"), "another address is checked");
                checking.join(10_000);
            }
        }
    }

    @Test
    void aBurstOfTwoThousandConnectsIsQueuedNotDropped() throws Exception {
        try (TestServer server = server(Map.of("security.max.per.ip", "0", "max.unauthenticated", "3000",
                "max.clients", "3000"))) {
            List<SocketChannel> channels = new ArrayList<>();
            try {
                for (int i = 0; i < 2000; i++) {
                    SocketChannel channel = SocketChannel.open();
                    channels.add(channel);
                    channel.configureBlocking(false);
                    channel.connect(new InetSocketAddress("127.0.0.1", server.port()));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                int greeted = 0;
                for (SocketChannel channel : channels) {
                    while (!channel.finishConnect()) {
                        if (System.nanoTime() > deadline) {
                            fail("a connect of the burst was not accepted within 3 s (dropped from the queue)");
                        }
                        Thread.sleep(1);
                    }
                }
                List<String> missing = new ArrayList<>();
                for (SocketChannel channel : channels) {
                    channel.configureBlocking(true);
                    channel.socket().setSoTimeout(greeted == 0 ? 30_000 : 5_000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(channel.socket().getInputStream(),
                            StandardCharsets.US_ASCII));
                    try {
                        String greeting = Client.finalLine(in);
                        if (greeting != null && greeting.startsWith("220")) {
                            greeted++;
                        } else {
                            missing.add(String.valueOf(greeting));
                        }
                    } catch (SocketTimeoutException silent) {
                        missing.add("no greeting on " + channel.getLocalAddress());
                    }
                }
                assertEquals(2000, greeted, "every connection of the burst was greeted; not: "
                        + missing.subList(0, Math.min(5, missing.size())) + " (" + missing.size() + ")");
            } finally {
                for (SocketChannel channel : channels) {
                    channel.close();
                }
            }
        }
    }

    @Test
    void sessionsOutnumberingThePassiveRangeCanAllList() throws Exception {
        int first = 30_000 + new java.util.Random().nextInt(9_000);
        try (TestServer server = server(Map.of("passive.ports", first + "-" + (first + 99), "max.clients", "200",
                "security.max.per.ip", "0", "data.timeout", "2"))) {
            java.nio.file.Files.writeString(server.home("alice").resolve("file.txt"), "hello");
            List<FTPClient> sessions = new ArrayList<>();
            try {
                for (int i = 0; i < 150; i++) {
                    sessions.add(server.loggedIn());
                }
                int listed = 0;
                for (FTPClient session : sessions) {
                    String[] names = session.listNames();
                    assertNotNull(names, "PASV + NLST failed: " + session.getReplyString());
                    assertEquals(List.of("file.txt"), List.of(names));
                    listed++;
                }
                assertEquals(150, listed);
                // a PASV nobody connects to gives its port back after the data timeout
                FTPClient idle = sessions.get(0);
                assertEquals(227, idle.pasv());
                int port = passivePort(idle.getReplyString());
                Thread.sleep(4_000);
                try (Socket late = new Socket()) {
                    late.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                    fail("the unused passive listener on " + port + " was still open");
                } catch (ConnectException closed) {
                    // as it should be
                }
            } finally {
                for (FTPClient session : sessions) {
                    session.disconnect();
                }
            }
        }
    }

    private static int passivePort(String reply) {
        String[] numbers = reply.substring(reply.indexOf('(') + 1, reply.indexOf(')')).split(",");
        return Integer.parseInt(numbers[4].trim()) * 256 + Integer.parseInt(numbers[5].trim());
    }

    @Test
    void malformedWildcardsAreRefusedWithoutAnInternalError() throws Exception {
        try (TestServer server = server(Map.of("data.timeout", "2"))) {
            try (Client client = Client.open("127.0.0.1", server.port())) {
                client.send("USER alice");
                assertTrue(client.send("PASS wonderland").startsWith("230"));
                for (String pattern : List.of("[", "a[", "[!", "*[z-a]*", "[[:alpha:]", "\\")) {
                    String reply = client.send("STAT " + pattern);
                    assertTrue(reply.startsWith("550") || reply.startsWith("213"), pattern + ": " + reply);
                    assertTrue(!reply.contains("Internal error"), reply);
                }
                assertTrue(client.send("PASV").startsWith("227"));
                String reply = client.send("LIST [");
                assertTrue(reply.startsWith("550") && reply.contains("Malformed"), reply);
                assertTrue(client.send("NOOP").startsWith("200"));
            }
        }
    }

    /**
     * Every command with malformed arguments, 20,000 lines in all: every reply is well formed, and none is the
     * 451 "Internal error" that an unhandled exception turns into.
     */
    @Test
    void fuzzingEveryCommandNeverCausesAnInternalError() throws Exception {
        List<String> verbs = new ArrayList<>();
        dev.wharf.core.command.CommandTable.STANDARD.all().forEach(command -> verbs.add(command.name()));
        verbs.removeAll(List.of("AUTH", "QUIT", "REIN", "PBSZ", "CCC")); // these end or change the connection
        verbs.addAll(List.of("XYZZY", "SITE CHMOD", "SITE UTIME", "SITE IDLE", "OPTS UTF8", "OPTS MLST", "SITE"));
        // data-connection setup is fuzzed on its own, in the last 1,000 lines: after a PASV that works, every
        // transfer command would wait out the data timeout for a connection that never comes
        List<String> dataSetup = List.of("PASV", "EPSV", "PORT", "EPRT", "LPRT", "LPSV", "SPSV");
        List<String> others = new ArrayList<>(verbs);
        others.removeAll(dataSetup);
        String[] fragments = {"", " ", "[", "]", "*", "?", "{", "}", "\\", "/", "..", "../..", "~", "%s%n", "\0",
            "\u0001", "\u00ff", "\u20ac", "-", "--", "-lR", "-a -l", "9999999999999999999", "-1", "0", "1,2,3",
            "127,0,0,1,0,21", "|1|127.0.0.1|21|", "|2|::1|0|", "a b c", ";", "'", "\"", "=", "type;size", "777",
            "20260101000000", "x".repeat(300), "/.", "/./..", "*/*/*/*/*", "[a-", "[]", "a\tb", "\u00e9t\u00e9"};
        java.util.Random random = new java.util.Random(42);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        try (TestServer server = server(Map.of("data.timeout", "1", "security.login.failure.delay", "0",
                "security.ban.after.failures", "0", "security.login.failures.per.session", "1000"))) {
            Client client = null;
            for (int i = 0; i < 20_000 && problems.size() < 10; i++) {
                if (client == null) {
                    client = Client.open("127.0.0.1", server.port());
                    client.send("USER alice");
                    client.send("PASS wonderland");
                }
                StringBuilder argument = new StringBuilder();
                for (int parts = random.nextInt(4); parts > 0; parts--) {
                    argument.append(fragments[random.nextInt(fragments.length)]);
                }
                if (random.nextInt(8) == 0) {
                    for (int bytes = random.nextInt(20); bytes > 0; bytes--) {
                        argument.append((char) (1 + random.nextInt(0x2FF)));
                    }
                }
                List<String> pool = i < 19_000 ? others : dataSetup;
                String line = (pool.get(random.nextInt(pool.size())) + " " + argument).replace("\r", "")
                        .replace("\n", "");
                String reply;
                try {
                    reply = client.send(line);
                } catch (IOException broken) {
                    problems.add(line + " -> " + broken.getMessage());
                    client.close();
                    client = null;
                    continue;
                }
                if (reply == null || reply.startsWith("221") || reply.startsWith("421") || reply.startsWith("234")) {
                    client.close();
                    client = null;
                    if (reply == null || reply.startsWith("421") && !reply.contains("Timeout")) {
                        problems.add(line + " -> " + reply);
                    }
                    continue;
                }
                if (reply.contains("Internal error")) {
                    problems.add(line + " -> " + reply);
                }
                if (reply.startsWith("150")) { // a transfer began: its end comes as a second reply
                    String end = Client.finalLine(client.in());
                    if (end == null) {
                        problems.add(line + " -> 150 then nothing");
                        client.close();
                        client = null;
                    }
                }
            }
            if (client != null) {
                client.close();
            }
        }
        assertTrue(problems.isEmpty(), "replies that show a failure: " + problems);
    }

    /** openssl's s_client asks a TLS 1.2 control connection to renegotiate ("R"): the server refuses. */
    @Test
    void tlsRenegotiationIsRefused() throws Exception {
        try (TestServer server = server(Map.of())) {
            Process openssl = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                    "-starttls", "ftp", "-tls1_2").redirectErrorStream(true).start();
            StringBuilder output = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(openssl.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        synchronized (output) {
                            output.append(line).append('\n');
                        }
                    }
                } catch (IOException ended) {
                    // the process is gone
                }
            });
            try {
                awaitOutput(output, "220 ", 10_000);
                openssl.getOutputStream().write("R\n".getBytes(StandardCharsets.US_ASCII));
                openssl.getOutputStream().flush();
                awaitOutput(output, "alert", 10_000);
                String text;
                synchronized (output) {
                    text = output.toString();
                }
                assertTrue(text.contains("RENEGOTIATING"), text);
                assertTrue(text.contains("handshake failure") || text.contains("no renegotiation"),
                        "the server ended the renegotiation with an alert: " + text);
                openssl.getOutputStream().close();
                assertTrue(openssl.waitFor(10, TimeUnit.SECONDS), "openssl ends");
            } finally {
                openssl.destroyForcibly();
                reader.join(5_000);
            }
        }
    }

    private static void awaitOutput(StringBuilder output, String text, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            synchronized (output) {
                if (output.indexOf(text) >= 0) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        synchronized (output) {
            fail("no '" + text + "' from openssl within " + millis + " ms:\n" + output);
        }
    }

    @Test
    void aRefusedPassiveRequestDoesNotTryEveryPort() throws Exception {
        int first = 39_200 + new java.util.Random().nextInt(700);
        try (TestServer server = server(Map.of("passive.ports", first + "-" + (first + 1), "max.clients", "10",
                "data.timeout", "30"))) {
            FTPClient a = server.loggedIn();
            FTPClient b = server.loggedIn();
            FTPClient c = server.loggedIn();
            assertEquals(227, a.pasv());
            assertEquals(227, b.pasv());
            assertEquals(425, c.pasv(), "both ports of the range are open");
            assertTrue(c.getReplyString().contains("All reserved TCP ports are busy"), c.getReplyString());
            a.disconnect();
            Thread.sleep(200);
            assertEquals(227, c.pasv(), "a port given back is used again");
            b.disconnect();
            c.disconnect();
        }
    }
}
