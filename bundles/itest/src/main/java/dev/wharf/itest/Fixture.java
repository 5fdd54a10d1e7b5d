package dev.wharf.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/** What the in-framework tests share: the framework's services and bundles, and FTP clients for a listener. */
final class Fixture {

    /** Components activate asynchronously; every wait for them ends after this. */
    static final long WAIT_MILLIS = 15_000;

    private Fixture() {
    }

    static BundleContext context() {
        return FrameworkUtil.getBundle(Fixture.class).getBundleContext();
    }

    static Bundle bundle(String symbolicName) {
        return Arrays.stream(context().getBundles()).filter(b -> b.getSymbolicName().equals(symbolicName))
                .findFirst().orElseThrow(() -> new AssertionError(symbolicName + " is not installed"));
    }

    static Dictionary<String, Object> dictionary(String... keysAndValues) {
        Dictionary<String, Object> dictionary = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            dictionary.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return dictionary;
    }

    /**
     * Gives a home to its account, as a Pure-FTPd setup has it: the tests run as root, and then the local storage
     * acts as the account (its uid/gid) on the account's files.
     */
    static java.nio.file.Path ownedBy(java.nio.file.Path home, int uid, int gid) throws IOException {
        if ("root".equals(System.getProperty("user.name"))) {
            java.nio.file.Files.setAttribute(home, "unix:uid", uid);
            java.nio.file.Files.setAttribute(home, "unix:gid", gid);
        }
        return home;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static FTPClient connect(int port) throws IOException {
        FTPClient client = new FTPClient();
        client.setConnectTimeout(5_000);
        client.setDefaultTimeout(20_000);
        client.connect("127.0.0.1", port);
        return client;
    }

    /** The reply code to PASS (or USER) of one login attempt. */
    static int loginReply(int port, String user, String password) throws IOException {
        FTPClient client = connect(port);
        try {
            client.login(user, password);
            return client.getReplyCode();
        } catch (org.apache.commons.net.ftp.FTPConnectionClosedException closedWith421) {
            return client.getReplyCode(); // Commons Net reports a 421 as a closed connection
        } finally {
            client.disconnect();
        }
    }

    /** Retries until the login succeeds or the wait is over (then null); passive and binary when it does. */
    static FTPClient awaitLogin(int port, String user, String password) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            try {
                FTPClient client = connect(port);
                if (client.login(user, password)) {
                    client.enterLocalPassiveMode();
                    client.setFileType(FTP.BINARY_FILE_TYPE);
                    return client;
                }
                client.disconnect();
            } catch (IOException notYetListening) {
                // the listener or the backend is not up yet
            }
            Thread.sleep(200);
        }
        return null;
    }

    /** Uploads a small file, reads it back and lists it, over fresh passive data connections. */
    static void assertSessionWorks(FTPClient client, String name) throws IOException {
        byte[] content = ("content of " + name).getBytes(StandardCharsets.UTF_8);
        assertTrue(client.storeFile(name, new ByteArrayInputStream(content)), client.getReplyString());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile(name, back), client.getReplyString());
        assertTrue(Arrays.equals(content, back.toByteArray()), "downloaded bytes match");
        assertTrue(Arrays.asList(client.listNames()).contains(name), "listed");
    }
}
