package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.core.activity.Syslog;
import dev.wharf.core.activity.SyslogSettings;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pure-FTPd-style syslog lines as real clients cause them, received over UDP and on a Unix datagram socket like
 * {@code /dev/log}, and checked with Debian's {@code fail2ban-regex} and its stock {@code pure-ftpd} filter.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SyslogTest {

    private static final String FAIL2BAN_FILTER = "/etc/fail2ban/filter.d/pure-ftpd.conf";
    /** facility ftp (11) * 8 + severity */
    private static final int FTP_WARNING = 92;
    private static final int FTP_NOTICE = 93;
    private static final int FTP_INFO = 94;
    private static final int FTP_DEBUG = 95;
    private static final String STAMP = "[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}";

    @TempDir
    Path temp;

    @Test
    void failedLoginsOverUdpAreWhatFail2bansStockFilterBansAndTheOtherLinesArePureFtpds() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestServer server = new TestServer(temp.resolve("ftp"))) {
            Syslog syslog = new Syslog();
            syslog.configure(Map.of("target", "udp:127.0.0.1:" + receiver.getLocalPort(), "level", "debug",
                    "commands", "true"));
            server.activity.setSyslog(syslog);
            for (int i = 0; i < 3; i++) {
                FTPClient guess = server.connect();
                assertFalse(guess.login("mallory", "guess-" + i));
                assertEquals(530, guess.getReplyCode());
                guess.disconnect();
            }
            FTPClient alice = server.loggedInAs("alice");
            assertTrue(alice.storeFile("hello.txt", new ByteArrayInputStream("hello".getBytes())));
            alice.logout();
            alice.disconnect();

            List<String> lines = receive(receiver, line -> line.endsWith("(alice@127.0.0.1) [INFO] Logout."));
            syslog.close();
            String prefix = "^<%d>" + STAMP + " \\S+ pure-ftpd\\[" + ProcessHandle.current().pid() + "\\]: ";
            assertEquals(3, count(lines, String.format(prefix, FTP_WARNING)
                    + "\\(\\?@127\\.0\\.0\\.1\\) \\[WARNING\\] Authentication failed for user \\[mallory\\]$"), lines
                    .toString());
            assertEquals(4, count(lines, String.format(prefix, FTP_INFO)
                    + "\\(\\?@127\\.0\\.0\\.1\\) \\[INFO\\] New connection from 127\\.0\\.0\\.1$"), lines.toString());
            assertEquals(1, count(lines, String.format(prefix, FTP_INFO)
                    + "\\(alice@127\\.0\\.0\\.1\\) \\[INFO\\] alice is now logged in$"), lines.toString());
            Path home = server.home("alice");
            assertEquals(1, count(lines, String.format(prefix, FTP_NOTICE) + "\\(alice@127\\.0\\.0\\.1\\) \\[NOTICE\\] "
                    + java.util.regex.Pattern.quote(home + "//hello.txt") + " uploaded  \\(5 bytes, [0-9]+\\.[0-9]{2}"
                    + "KB/sec\\)$"), lines.toString());
            // VerboseLog: every command, the password never
            assertEquals(1, count(lines, String.format(prefix, FTP_DEBUG)
                    + "\\(\\?@127\\.0\\.0\\.1\\) \\[DEBUG\\] Command \\[user\\] \\[alice\\]$"), lines.toString());
            assertEquals(4, count(lines, String.format(prefix, FTP_DEBUG)
                    + "\\(\\?@127\\.0\\.0\\.1\\) \\[DEBUG\\] Command \\[pass\\] \\[<\\*>\\]$"), lines.toString());
            assertEquals(1, count(lines, String.format(prefix, FTP_DEBUG)
                    + "\\(alice@127\\.0\\.0\\.1\\) \\[DEBUG\\] Command \\[stor\\] \\[hello\\.txt\\]$"), lines.toString());
            assertTrue(lines.stream().noneMatch(line -> line.contains("guess-") || line.contains("wonderland")),
                    "no password in any line: " + lines);

            // what a syslog daemon writes to its file: the line without its <priority>
            Path logFile = temp.resolve("syslog");
            Files.write(logFile, lines.stream().map(line -> line.substring(line.indexOf('>') + 1)).toList());
            TestPrograms.Result regex = TestPrograms.run(List.of("fail2ban-regex", logFile.toString(),
                    FAIL2BAN_FILTER));
            assertEquals(0, regex.exitCode(), regex.output());
            assertTrue(regex.output().contains("Lines: " + lines.size() + " lines, 0 ignored, 3 matched, "),
                    "fail2ban's stock filter matches exactly the three failed logins:\n" + regex.output());
            TestPrograms.Result hosts = TestPrograms.run(List.of("fail2ban-regex", "--print-all-matched",
                    logFile.toString(), FAIL2BAN_FILTER));
            assertTrue(hosts.output().contains("Authentication failed for user [mallory]"), hosts.output());
        }
    }

    @Test
    void aUnixDatagramSocketLikeDevLogGetsTheLinesAndTheLevelChangesLive() throws Exception {
        Path socket = temp.resolve("log.sock");
        Process python = new ProcessBuilder("python3", "-u", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind(sys.argv[1])",
                "print('ready', flush=True)",
                "while True:",
                "    print(s.recv(8192).decode('utf-8', 'replace'), flush=True)"), socket.toString())
                .redirectErrorStream(true).start();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    received.add(line);
                }
            } catch (java.io.IOException ended) {
                // the receiver was stopped
            }
        });
        try (TestServer server = new TestServer(temp.resolve("ftp"))) {
            assertEquals("ready", received.poll(30, TimeUnit.SECONDS), "the receiver is bound");
            Syslog syslog = new Syslog();
            syslog.configure(Map.of("target", socket.toString(), "level", "warning"));
            server.activity.setSyslog(syslog);

            FTPClient guess = server.connect();
            assertFalse(guess.login("mallory", "guess"));
            guess.disconnect();
            String failure = received.poll(30, TimeUnit.SECONDS);
            // to the local socket as syslog(3) sends: no host name, the daemon adds it
            assertTrue(failure != null && failure.matches("<" + FTP_WARNING + ">" + STAMP + " pure-ftpd\\["
                    + ProcessHandle.current().pid() + "\\]: \\(\\?@127\\.0\\.0\\.1\\) \\[WARNING\\] Authentication "
                    + "failed for user \\[mallory\\]"), String.valueOf(failure));
            assertEquals(List.of(), drain(received), "level warning: no connection or command lines");

            // as FileInstall applies an edited etc/dev.wharf.syslog.cfg: the next line follows the new level
            syslog.configure(Map.of("target", socket.toString(), "level", "debug", "commands", "true",
                    "format", "rfc5424", "facility", "local3"));
            FTPClient alice = server.loggedInAs("alice");
            alice.noop();
            alice.logout();
            alice.disconnect();
            String first = received.poll(30, TimeUnit.SECONDS);
            assertTrue(first != null && first.matches("<158>1 \\d{4}-\\d\\d-\\d\\dT[0-9:.]+(Z|[+-]\\d\\d:\\d\\d) \\S+ "
                    + "pure-ftpd " + ProcessHandle.current().pid() + " - - \\(\\?@127\\.0\\.0\\.1\\) \\[INFO\\] New "
                    + "connection from 127\\.0\\.0\\.1"), "RFC 5424, local3.info: " + first);
            List<String> rest = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (rest.stream().noneMatch(line -> line.endsWith("[INFO] Logout.")) && System.nanoTime() < deadline) {
                String line = received.poll(1, TimeUnit.SECONDS);
                if (line != null) {
                    rest.add(line);
                }
            }
            assertTrue(rest.stream().anyMatch(line -> line.endsWith("(alice@127.0.0.1) [DEBUG] Command [noop] []")),
                    rest.toString());
            syslog.close();
        } finally {
            python.destroy();
            python.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBadSettingNamesItsKeyAndKeepsThePreviousOnes() {
        IllegalArgumentException target = assertThrows(IllegalArgumentException.class,
                () -> SyslogSettings.from(Map.of("target", "syslog.example.org")));
        assertEquals("dev.wharf.syslog: invalid value for 'target': 'syslog.example.org' (expected none, an "
                + "absolute socket path such as /dev/log, or udp:HOST:PORT)", target.getMessage());
        IllegalArgumentException level = assertThrows(IllegalArgumentException.class,
                () -> SyslogSettings.from(Map.of("level", "loud")));
        assertEquals("dev.wharf.syslog: invalid value for 'level': 'loud' (expected debug, info, notice, warning or "
                + "error)", level.getMessage());
    }

    /** Datagrams until one matches {@code last} (or 30 s pass), as text. */
    private static List<String> receive(DatagramSocket receiver, Predicate<String> last) throws Exception {
        List<String> lines = new ArrayList<>();
        receiver.setSoTimeout(1000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        byte[] buffer = new byte[8192];
        while (System.nanoTime() < deadline) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                receiver.receive(packet);
            } catch (SocketTimeoutException quiet) {
                continue;
            }
            String line = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            lines.add(line);
            if (last.test(line)) {
                return lines;
            }
        }
        throw new AssertionError("the last line never came; received: " + lines);
    }

    private static long count(List<String> lines, String regex) {
        return lines.stream().filter(line -> line.matches(regex)).count();
    }

    /** What arrives within half a second. */
    private static List<String> drain(BlockingQueue<String> queue) throws InterruptedException {
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = queue.poll(500, TimeUnit.MILLISECONDS)) != null) {
            lines.add(line);
        }
        return lines;
    }
}
