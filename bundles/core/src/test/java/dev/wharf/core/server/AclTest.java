package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run as root, the server judges access by a file's POSIX ACL as the kernel would: a named-user or named-group
 * entry grants what the mode bits alone refuse, a named-user entry refuses what "others" may do, and the mask
 * limits both. The ACLs are set with the kernel's own xattr (no setfacl needed).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AclTest {

    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int GROUP = 0x08;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    private static final int NONE = -1;

    @TempDir
    Path temp;
    private TestServer server;
    private Path alice;

    @BeforeEach
    void start() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root, as CI runs");
        server = new TestServer(temp.resolve("users"), Map.of("storage.account.identity", "auto"));
        server.ids.put("alice", new int[] {1501, 1501});
        alice = server.home("alice");
        Files.setAttribute(alice, "unix:uid", 1501, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(alice, "unix:gid", 1501, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aNamedUserEntryGrantsWhatTheModeRefuses() throws Exception {
        Path drop = Files.createDirectories(alice.resolve("drop")); // root's, rwx------
        Files.setPosixFilePermissions(drop, PosixFilePermissions.fromString("rwx------"));
        FTPClient client = server.loggedIn();
        assertFalse(client.storeFile("drop/before", bytes("no")), "mode bits alone: refused");
        assertEquals(553, client.getReplyCode());

        setAcl(drop, new int[][] {{USER_OBJ, 7, NONE}, {USER, 7, 1501}, {GROUP_OBJ, 0, NONE}, {MASK, 7, NONE},
            {OTHER, 0, NONE}});
        assertTrue(client.storeFile("drop/after", bytes("yes")), client.getReplyString());
        assertEquals("yes", Files.readString(drop.resolve("after")));
        assertEquals(1501, Files.getAttribute(drop.resolve("after"), "unix:uid"));

        // the mask caps the named entry: write taken away again
        setAcl(drop, new int[][] {{USER_OBJ, 7, NONE}, {USER, 7, 1501}, {GROUP_OBJ, 0, NONE}, {MASK, 5, NONE},
            {OTHER, 0, NONE}});
        assertFalse(client.storeFile("drop/masked", bytes("no")));
        assertEquals(553, client.getReplyCode());
        assertFalse(Files.exists(drop.resolve("masked")));
        assertFalse(client.deleteFile("drop/after"));
        assertTrue(Files.exists(drop.resolve("after")));
        client.disconnect();
    }

    @Test
    void aNamedUserEntryRefusesWhatOthersMayRead() throws Exception {
        Path open = Files.writeString(alice.resolve("open-to-all"), "for everyone else");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        FTPClient client = server.loggedIn();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile("open-to-all", got), client.getReplyString());

        setAcl(open, new int[][] {{USER_OBJ, 6, NONE}, {USER, 0, 1501}, {GROUP_OBJ, 4, NONE}, {MASK, 4, NONE},
            {OTHER, 4, NONE}});
        got.reset();
        assertFalse(client.retrieveFile("open-to-all", got), "user:alice:--- refuses her");
        assertEquals(550, client.getReplyCode());
        assertEquals(0, got.size());
        client.disconnect();
    }

    @Test
    void aNamedGroupEntryGrantsItsMembers() throws Exception {
        Path team = Files.createDirectories(alice.resolve("team"));
        Path report = Files.writeString(team.resolve("report"), "team only");
        Files.setPosixFilePermissions(team, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(report, PosixFilePermissions.fromString("rw-------"));
        // group 1501 is alice's primary group; 1777 is not hers
        setAcl(team, new int[][] {{USER_OBJ, 7, NONE}, {GROUP_OBJ, 0, NONE}, {GROUP, 5, 1501}, {GROUP, 7, 1777},
            {MASK, 7, NONE}, {OTHER, 0, NONE}});
        setAcl(report, new int[][] {{USER_OBJ, 6, NONE}, {GROUP_OBJ, 0, NONE}, {GROUP, 4, 1501}, {MASK, 6, NONE},
            {OTHER, 0, NONE}});
        FTPClient client = server.loggedIn();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile("team/report", got), client.getReplyString());
        assertEquals("team only", got.toString(StandardCharsets.UTF_8));
        assertFalse(client.storeFile("team/new", bytes("no")), "her group's entry has no write");
        assertEquals(553, client.getReplyCode());
        assertFalse(Files.exists(team.resolve("new")));
        client.disconnect();
    }

    private static ByteArrayInputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code system.posix_acl_access} as setfacl would: {tag, permissions, id or NONE} per entry. */
    private static void setAcl(Path path, int[][] entries) throws Exception {
        ByteBuffer value = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN);
        value.putInt(2);
        for (int[] entry : entries) {
            value.putShort((short) entry[0]).putShort((short) entry[1]).putInt(entry[2]);
        }
        String hex = HexFormat.of().formatHex(value.array());
        Process python = new ProcessBuilder("python3", "-c",
                "import os,sys; os.setxattr(sys.argv[1], 'system.posix_acl_access', bytes.fromhex(sys.argv[2]))",
                path.toString(), hex).redirectErrorStream(true).start();
        assertTrue(python.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue(), new String(python.getInputStream().readAllBytes()));
    }
}
