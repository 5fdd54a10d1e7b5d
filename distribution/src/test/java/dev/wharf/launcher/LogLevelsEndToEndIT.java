package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Log levels changed while the built server runs, as an admin does it: {@code etc/dev.wharf.logging.cfg} written
 * turns a core logger's debug lines on for the next FTP session, with a warning for each bad entry, and deleting
 * the file turns them off again, with no restart. Every line checked has the log's one format.
 */
class LogLevelsEndToEndIT {

    private static final Pattern DEMO_PASSWORD = Pattern.compile("Demo account created: user 'demo' password '([^']+)'");
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ";
    private static final String SESSION_DEBUG = " DEBUG FtpSession - Session ";
    private static final long WAIT_MILLIS = 30_000;

    private Path server;
    private Path log;
    private Process process;
    private int ftpPort;

    @BeforeEach
    void startServer() throws Exception {
        server = ServerLogs.unpack("loglevels");
        ftpPort = freePort();
        int passiveStart = 40_000 + new Random().nextInt(20_000);
        Files.writeString(server.resolve("etc/dev.wharf.listener-main.cfg"), String.join("\n",
                "bind = 127.0.0.1", "port = " + ftpPort, "passive.ports = " + passiveStart + "-" + (passiveStart + 49),
                "idle.timeout = 60", ""));
        log = server.resolve("var/loglevels.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(server.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("JAVA_OPTS"); // the start-up level is the default, info
        process = builder.start();
        awaitLog("accepting FTP connections on 127.0.0.1:" + ftpPort);
    }

    @AfterEach
    void stopServer() throws Exception {
        ServerLogs.stop(process);
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void debugLinesOfOneLoggerComeAndGoWithTheConfigurationFile() throws Exception {
        Matcher demo = DEMO_PASSWORD.matcher(awaitLog("Demo account created"));
        assertTrue(demo.find());
        String password = demo.group(1);

        int first = session(password);
        awaitCount("User 'demo' from 127.0.0.1 logged out", 1);
        assertEquals(List.of(), lines(SESSION_DEBUG), "no debug lines at the start-up level, info");

        Path settings = server.resolve("etc/dev.wharf.logging.cfg");
        Files.writeString(settings, "loggers = dev.wharf.core.session=DEBUG, nonsense, dev.wharf.core=LOUD\n");
        assertLine(TIME + "INFO fileinstall - Creating configuration \\{dev\\.wharf\\.logging\\} from "
                + Pattern.quote(settings.toString()), awaitLog("Creating configuration {dev.wharf.logging}"));
        assertLine(TIME + "WARN LogLevels - Setting 'loggers' of dev\\.wharf\\.logging: entry 'nonsense' ignored, it "
                + "is not name=LEVEL", awaitLog("entry 'nonsense'"));
        assertLine(TIME + "WARN LogLevels - Setting 'loggers' of dev\\.wharf\\.logging: entry 'dev\\.wharf\\.core=LOUD'"
                + " ignored, 'LOUD' is not a level \\(ERROR, WARN, INFO, DEBUG, TRACE, OFF\\)",
                awaitLog("entry 'dev.wharf.core=LOUD'"));
        awaitLog("Log levels from dev.wharf.logging: root INFO, dev.wharf.core.session DEBUG");

        int second = session(password);
        String debug = awaitLog(SESSION_DEBUG);
        assertLine(TIME + "DEBUG FtpSession - Session \\d+ from /127\\.0\\.0\\.1:" + second
                + " connected to /127\\.0\\.0\\.1:" + ftpPort, debug);
        awaitCount("User 'demo' from 127.0.0.1 logged out", 2);
        assertEquals(1, lines(SESSION_DEBUG).size(), lines(SESSION_DEBUG).toString());
        assertTrue(lines(":" + first + " connected").isEmpty(), "the first session came before the change");

        Files.delete(settings);
        awaitLog("Deleting configuration {dev.wharf.logging}");
        awaitLog("Log levels back to their start-up values (root INFO)");
        int third = session(password);
        awaitCount("User 'demo' from 127.0.0.1 logged out", 3);
        assertEquals(List.of(debug), lines(SESSION_DEBUG), "no debug line for the session from port " + third);
    }

    /** Logs in as demo, lists and logs out over a real FTP connection; the client's port. */
    private int session(String password) throws IOException {
        FTPClient client = new FTPClient();
        client.setDefaultTimeout(30_000);
        client.connect("127.0.0.1", ftpPort);
        try {
            int port = client.getLocalPort();
            assertTrue(client.login("demo", password), client.getReplyString());
            assertTrue(client.sendNoOp(), client.getReplyString());
            assertTrue(client.logout(), client.getReplyString());
            return port;
        } finally {
            client.disconnect();
        }
    }

    private static void assertLine(String regex, String line) {
        assertTrue(line.matches(regex), "'" + line + "' does not match " + regex);
    }

    private List<String> lines(String text) throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(line -> line.contains(text)).toList();
    }

    private void awaitCount(String text, int count) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (lines(text).size() < count) {
            if (System.currentTimeMillis() > deadline || !process.isAlive()) {
                fail(count + " lines with '" + text + "' expected:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }

    private String awaitLog(String text) throws Exception {
        return ServerLogs.awaitLine(log, process, text, WAIT_MILLIS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
