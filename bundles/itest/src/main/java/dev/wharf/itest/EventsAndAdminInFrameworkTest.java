package dev.wharf.itest;

import org.osgi.test.common.annotation.InjectService;
import org.junit.jupiter.api.Timeout;
import static dev.wharf.itest.Fixture.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.event.WharfEvents;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * The core's activity inside Felix with the real Event Admin: an {@link EventHandler} bundle hears logins and
 * file changes; the {@code wharf:who} command service lists the session; limits set through ConfigAdmin apply to
 * the next login without a restart.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventsAndAdminInFrameworkTest {
    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;


    @Test
    void eventHandlersHearFileActivityAndLimitsFollowConfigAdmin() throws Exception {
        BundleContext context = context();
        Path home = ownedBy(Files.createTempDirectory("wharf-events").toRealPath(), 1003, 1003);
        int port = freePort();

        List<Event> events = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> handlerProperties = new Hashtable<>();
        handlerProperties.put(EventConstants.EVENT_TOPIC, WharfEvents.TOPIC_PREFIX + "*");
        ServiceRegistration<EventHandler> handler = context.registerService(EventHandler.class, events::add,
                handlerProperties);
        // a handler of one exact topic: the core posts only what some handler's topics cover
        List<Event> uploads = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> uploadsProperties = new Hashtable<>();
        uploadsProperties.put(EventConstants.EVENT_TOPIC, new String[] {WharfEvents.UPLOAD});
        ServiceRegistration<EventHandler> uploadsHandler = context.registerService(EventHandler.class, uploads::add,
                uploadsProperties);
        AuthBackend backend = request -> request.user().equals("carol") && request.password().equals("secret")
                ? AuthResult.accepted(new Account("carol", home.toString(), 1003, 1003, AccountLimits.NONE))
                : AuthResult.unknown();
        Dictionary<String, Object> backendProperties = new Hashtable<>();
        backendProperties.put(AuthBackend.NAME_PROPERTY, "events-test");
        ServiceRegistration<AuthBackend> registration = context.registerService(AuthBackend.class, backend,
                backendProperties);
        Configuration listener = configAdmin.getFactoryConfiguration("dev.wharf.listener", "itest-events", "?");
        listener.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port), "auth.order", "events-test"));
        Configuration limits = configAdmin.getConfiguration("dev.wharf.limits", "?");
        try {
            FTPClient carol = awaitLogin(port, "carol", "secret");
            assertNotNull(carol, "carol logs in");
            assertTrue(carol.storeFile("report.txt", new ByteArrayInputStream("numbers".getBytes())));
            assertTrue(carol.deleteFile("report.txt"));

            String who = command("who", "-s");
            assertTrue(who.contains("|carol|"), who);

            awaitTopics(events, List.of(WharfEvents.LOGIN, WharfEvents.UPLOAD, WharfEvents.DELETE));
            Event upload = events.stream().filter(event -> event.getTopic().equals(WharfEvents.UPLOAD)).findFirst()
                    .orElseThrow();
            assertEquals("carol", upload.getProperty(WharfEvents.ACCOUNT));
            assertEquals("/report.txt", upload.getProperty(WharfEvents.PATH));
            assertEquals(home.resolve("report.txt").toString(), upload.getProperty(WharfEvents.FILE));
            assertEquals(7L, upload.getProperty(WharfEvents.SIZE));
            awaitTopics(uploads, List.of(WharfEvents.UPLOAD));
            assertTrue(uploads.stream().allMatch(event -> event.getTopic().equals(WharfEvents.UPLOAD)), "only uploads");
            carol.logout();
            carol.disconnect();

            // one file at most, from now on: the next session is refused the second upload
            limits.update(dictionary("quota.files", "1"));
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            int secondReply = 0;
            while (System.currentTimeMillis() < deadline && secondReply != 552) {
                Files.deleteIfExists(home.resolve("1.txt"));
                Files.deleteIfExists(home.resolve(".ftpquota"));
                FTPClient next = awaitLogin(port, "carol", "secret");
                assertNotNull(next);
                assertTrue(next.storeFile("1.txt", new ByteArrayInputStream(new byte[1])));
                next.storeFile("2.txt", new ByteArrayInputStream(new byte[1]));
                secondReply = next.getReplyCode();
                next.disconnect();
                Files.deleteIfExists(home.resolve("2.txt"));
                Thread.sleep(100);
            }
            assertEquals(552, secondReply, "the quota set through ConfigAdmin applies without a restart");
            assertEquals("1 1\n", Files.readString(home.resolve(".ftpquota")));
            awaitTopics(events, List.of(WharfEvents.LOGOUT));
        } finally {
            limits.delete();
            listener.delete();
            registration.unregister();
            handler.unregister();
            uploadsHandler.unregister();
        }
    }

    /** Calls a {@code wharf:} Gogo command service the way the shell would. */
    private static String command(String function, String argument) throws Exception {
        ServiceReference<?>[] references = context().getServiceReferences((String) null,
                "(&(osgi.command.scope=wharf)(osgi.command.function=" + function + "))");
        assertNotNull(references, "a wharf:" + function + " command is registered");
        Object commands = context().getService(references[0]);
        return (String) commands.getClass().getMethod(function, String.class).invoke(commands, argument);
    }

    private static void awaitTopics(List<Event> events, List<String> topics) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            List<String> seen = events.stream().map(Event::getTopic).toList();
            if (seen.containsAll(topics)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("events " + topics + " not all seen in "
                + events.stream().map(Event::getTopic).toList());
    }
}
