package dev.wharf.itest;

import org.osgi.test.common.annotation.InjectService;
import static dev.wharf.itest.Fixture.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.commons.net.ftp.FTPClient;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Updates and refreshes the core bundle again and again while sessions are open, as an administrator deploying a
 * new core does, and checks that each old core ends what it owned: its sessions get {@code 421} and are closed,
 * every {@code wharf-} thread it started ends (platform and virtual), and its class loader can be collected.
 */
class CoreLifecycleTest {

    private static final String CORE = "dev.wharf.core";
    private static final int UPDATES = 20;
    /** The old core's sessions are closed and its threads end within this; the new core answers within it. */
    private static final long DEADLINE_MILLIS = 20_000;

    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;
    static Path work;
    static int port;
    static Configuration listenerConfig;
    static Configuration passwdConfig;

    @BeforeAll
    static void startServer() throws Exception {
        work = Files.createTempDirectory("wharf-lifecycle").toRealPath();
        Path home = ownedBy(Files.createDirectories(work.resolve("ftp/alice")), 1000, 1000);
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        String hash = OpenBSDBCrypt.generate("wonderland".toCharArray(), salt, 4);
        Files.writeString(work.resolve("pureftpd.passwd"),
                "alice:" + hash + ":1000:1000::" + home + "/./::::::::::::\n", StandardCharsets.UTF_8);
        port = freePort();
        passwdConfig = configAdmin.getConfiguration("dev.wharf.auth.passwd", "?");
        passwdConfig.update(dictionary("file", work.resolve("pureftpd.passwd").toString()));
        listenerConfig = configAdmin.getFactoryConfiguration("dev.wharf.listener", "lifecycle", "?");
        // passwd first: the extauth bundle in this runtime has no handler unless ExtAuthSwapTest runs
        listenerConfig.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port), "auth.order", "passwd"));
        FTPClient first = awaitLogin(port, "alice", "wonderland");
        assertNotNull(first, "alice can log in once the bundles are up");
        first.disconnect();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (listenerConfig != null) {
            listenerConfig.delete();
        }
        if (passwdConfig != null) {
            passwdConfig.delete();
        }
    }

    @Test
    @Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void updatingTheCoreTwentyTimesClosesItsSessionsAndEndsItsThreads() throws Exception {
        List<Integer> platformCounts = new ArrayList<>();
        List<Integer> virtualCounts = new ArrayList<>();
        WeakReference<ClassLoader> firstLoader = null;
        for (int round = 1; round <= UPDATES; round++) {
            // a logged-in session that has just transferred a file (busy thread, watcher timer, listing workers)
            // and one that has not logged in yet
            RawSession loggedIn = RawSession.login(port, "alice", "wonderland");
            loggedIn.transferListing();
            RawSession greeted = RawSession.greeted(port);
            Set<Thread> oldThreads = wharfPlatformThreads();
            assertTrue(oldThreads.stream().anyMatch(t -> t.getName().startsWith("wharf-listener-")),
                    "the core runs its listener thread: " + names(oldThreads));
            Bundle core = bundle(CORE);
            if (firstLoader == null) {
                firstLoader = new WeakReference<>(core.adapt(BundleWiring.class).getClassLoader());
            }

            core.update();
            refresh(core);

            assertEquals("421 Server shutting down", loggedIn.nextLine(), "round " + round + ": logged-in session");
            assertNull(loggedIn.nextLine(), "round " + round + ": then closed");
            assertEquals("421 Server shutting down", greeted.nextLine(), "round " + round + ": waiting session");
            assertNull(greeted.nextLine(), "round " + round + ": then closed");
            for (Thread old : oldThreads) {
                assertTrue(old.join(java.time.Duration.ofMillis(DEADLINE_MILLIS)),
                        "round " + round + ": the old core's thread " + old.getName() + " ended");
            }
            FTPClient again = awaitLogin(port, "alice", "wonderland");
            assertNotNull(again, "round " + round + ": the new core serves logins");
            again.logout();
            again.disconnect();
            platformCounts.add(settledCount(CoreLifecycleTest::platformWharfThreadCount));
            virtualCounts.add(settledCount(CoreLifecycleTest::virtualWharfThreadCount));
        }
        // one core's worth of threads each round, never the sum of old ones: the later rounds hold no more than the
        // earlier ones did (a thread left per update would add ten), whatever a round's count is at the moment
        assertTrue(notGrowing(platformCounts), "wharf- platform threads per round: " + platformCounts);
        assertTrue(notGrowing(virtualCounts), "wharf- virtual threads per round: " + virtualCounts);
        System.out.println("wharf- platform threads after each update: " + platformCounts);
        System.out.println("wharf- virtual threads after each update: " + virtualCounts);
        assertCollected(firstLoader);
    }

    /** The first core's class loader is garbage once nothing of that core is left. */
    private static void assertCollected(WeakReference<ClassLoader> loader) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        while (loader.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
        }
        assertNull(loader.get(), "the first core's class loader was collected");
    }

    private static void refresh(Bundle bundle) throws InterruptedException {
        FrameworkWiring wiring = context().getBundle(0).adapt(FrameworkWiring.class);
        CountDownLatch refreshed = new CountDownLatch(1);
        wiring.refreshBundles(List.of(bundle), event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        assertTrue(refreshed.await(DEADLINE_MILLIS, TimeUnit.MILLISECONDS), "refresh finished");
    }

    /** The count once it stops falling (threads of the last login may still be winding down), or at the deadline. */
    private static int settledCount(java.util.function.IntSupplier count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int last = count.getAsInt();
        while (System.nanoTime() < deadline) {
            Thread.sleep(250);
            int now = count.getAsInt();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static Set<Thread> wharfPlatformThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("wharf-")).collect(Collectors.toSet());
    }

    private static int platformWharfThreadCount() {
        return wharfPlatformThreads().size();
    }

    private static String names(Set<Thread> threads) {
        return threads.stream().map(Thread::getName).sorted().toList().toString();
    }

    /**
     * Virtual threads do not show in {@link Thread#getAllStackTraces()}; the JDK's JSON thread dump lists them
     * (every virtual thread is tracked by default).
     */
    private static int virtualWharfThreadCount() {
        try {
            Path dump = Files.createTempFile(work, "threads", ".json");
            Files.delete(dump); // the dump refuses to overwrite
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.invoke(new ObjectName("com.sun.management:type=HotSpotDiagnostic"), "dumpThreads",
                    new Object[] {dump.toString(), "JSON"},
                    new String[] {String.class.getName(), String.class.getName()});
            String json = Files.readString(dump);
            Files.delete(dump);
            Matcher names = Pattern.compile("\"name\": \"(wharf-[^\"]*)\"").matcher(json);
            int count = 0;
            while (names.find()) {
                count++;
            }
            return count - platformWharfThreadCount();
        } catch (Exception unavailable) {
            fail("no thread dump: " + unavailable);
            return -1;
        }
    }

    /** A control connection read line by line, so that the exact 421 and the close are seen. */
    private static final class RawSession {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        private RawSession(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) DEADLINE_MILLIS);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        static RawSession greeted(int port) throws IOException {
            RawSession session = new RawSession(port);
            session.expect("220 ");
            return session;
        }

        static RawSession login(int port, String user, String password) throws IOException {
            RawSession session = greeted(port);
            session.command("USER " + user, "331 ");
            session.command("PASS " + password, "230 ");
            return session;
        }

        /** A listing over a passive data connection, read to its end. */
        void transferListing() throws IOException {
            String pasv = command("EPSV", "229 ");
            int dataPort = Integer.parseInt(pasv.replaceAll(".*\\(\\|\\|\\|(\\d+)\\|\\).*", "$1"));
            try (Socket data = new Socket("127.0.0.1", dataPort)) {
                data.setSoTimeout((int) DEADLINE_MILLIS);
                send("LIST");
                expect("150 ");
                data.getInputStream().readAllBytes();
            }
            expect("226 ");
        }

        String command(String line, String expected) throws IOException {
            send(line);
            return expect(expected);
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The last line of the next reply, which must start with {@code code}. */
        String expect(String code) throws IOException {
            String line;
            do {
                line = nextLine();
                assertNotNull(line, "a reply " + code);
            } while (line.length() > 3 && line.charAt(3) == '-' || !line.matches("\\d{3}[ -].*"));
            assertTrue(line.startsWith(code), "expected " + code + "but got: " + line);
            return line;
        }

        /** The next line, or null when the server closed the connection. */
        String nextLine() throws IOException {
            try {
                return in.readLine();
            } catch (java.net.SocketException reset) {
                return null;
            }
        }
    }

    /** Whether the second half of {@code counts} never exceeds the most the first half had. */
    private static boolean notGrowing(java.util.List<Integer> counts) {
        int half = counts.size() / 2;
        int early = counts.subList(0, half).stream().mapToInt(Integer::intValue).max().orElse(0);
        return counts.subList(half, counts.size()).stream().allMatch(count -> count <= early);
    }
}
