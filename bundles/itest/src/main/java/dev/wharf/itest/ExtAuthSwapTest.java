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
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The extauth bundle inside Felix, first in the chain ({@code auth.order = extauth, fallback}) with a handler on a
 * Unix socket: a session logged in through extauth survives the bundle's uninstall, and new logins then reach
 * the next backend, which extauth's auth_ok:-1 had blocked before.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExtAuthSwapTest {
    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;



    @Test
    void uninstallingExtauthKeepsItsSessionsAndNewLoginsFallThrough() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(ExtAuthSwapTest.class).getBundleContext();
        Path work = Files.createTempDirectory("wharf-extauth").toRealPath();
        Path daveHome = ownedBy(Files.createDirectories(work.resolve("ftp/dave")), 1001, 1001);
        Path fallbackHome = ownedBy(Files.createDirectories(work.resolve("ftp/fallback")), 1002, 1002);
        Path socket = work.resolve("authd.sock");
        int port = freePort();

        // the handler: dave/extpass is in, any other dave is refused (auth_ok:-1), others are unknown
        ServerSocketChannel handler = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        handler.bind(UnixDomainSocketAddress.of(socket));
        Thread handlerThread = new Thread(() -> serve(handler, daveHome), "itest-authd");
        handlerThread.start();

        AuthBackend fallback = request -> request.password().equals("fallbackpass")
                ? AuthResult.accepted(new Account(request.user(), fallbackHome.toString(), 1002, 1002,
                        AccountLimits.NONE))
                : AuthResult.unknown();
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(AuthBackend.NAME_PROPERTY, "fallback");
        ServiceRegistration<AuthBackend> fallbackRegistration =
                context.registerService(AuthBackend.class, fallback, properties);

        Configuration extauthConfig = configAdmin.getConfiguration("dev.wharf.auth.extauth", "?");
        extauthConfig.update(dictionary("socket", socket.toString(), "timeout", "5"));
        Configuration listener = configAdmin.getFactoryConfiguration("dev.wharf.listener", "itest-extauth", "?");
        listener.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port),
                "auth.order", "extauth,fallback"));
        FTPClient dave = null;
        try {
            dave = awaitLogin(port, "dave", "extpass");
            assertNotNull(dave, "dave logs in through extauth");
            assertSessionWorks(dave, "via-extauth.txt");
            assertTrue(Files.exists(daveHome.resolve("via-extauth.txt")), "the handler's dir is dave's home");
            assertEquals(530, loginReply(port, "dave", "fallbackpass"), "extauth's auth_ok:-1 stops the chain");

            Bundle extauth = Arrays.stream(context.getBundles())
                    .filter(b -> b.getSymbolicName().equals("dev.wharf.auth.extauth")).findFirst().orElseThrow();
            extauth.uninstall();

            FTPClient viaFallback = awaitLogin(port, "dave", "fallbackpass");
            assertNotNull(viaFallback, "without extauth the next backend answers");
            assertSessionWorks(viaFallback, "via-fallback.txt");
            assertTrue(Files.exists(fallbackHome.resolve("via-fallback.txt")));
            viaFallback.disconnect();
            assertEquals(530, loginReply(port, "dave", "extpass"), "extauth's password is gone with it");
            assertSessionWorks(dave, "after-uninstall.txt");
            assertTrue(Files.exists(daveHome.resolve("after-uninstall.txt")), "the open session keeps its home");
        } finally {
            if (dave != null) {
                dave.disconnect();
            }
            listener.delete();
            extauthConfig.delete();
            fallbackRegistration.unregister();
            handler.close();
            handlerThread.join(5000);
        }
    }

    private static void serve(ServerSocketChannel handler, Path daveHome) {
        while (handler.isOpen()) {
            try (SocketChannel client = handler.accept()) {
                ByteBuffer in = ByteBuffer.allocate(4096);
                String request = "";
                while (!request.contains("\nend\n") && client.read(in) >= 0) {
                    request = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
                }
                String reply;
                if (request.startsWith("account:dave\npassword:extpass\n")) {
                    reply = "auth_ok:1\nuid:1001\ngid:1001\ndir:" + daveHome + "\nend\n";
                } else if (request.startsWith("account:dave\n")) {
                    reply = "auth_ok:-1\nend\n";
                } else {
                    reply = "auth_ok:0\nend\n";
                }
                client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException closed) {
                // the test is over, or one client went away
            }
        }
    }

}
