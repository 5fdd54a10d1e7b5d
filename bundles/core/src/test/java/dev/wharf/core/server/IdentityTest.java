package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run as root (as CI does), the server acts for each account: what a session creates belongs to the account's
 * uid/gid, and access is judged for it as the kernel would (modes, groups, the sticky bit, chmod by the owner).
 */
@Timeout(60)
class IdentityTest {

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
        chown(alice, 1501, 1501);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static void chown(Path path, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static int gid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static ByteArrayInputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rootsPrivateFileIsNeitherReadNorDeleted() throws IOException {
        Path rootOwned = Files.createDirectories(alice.resolve("system"));
        Path secret = Files.writeString(rootOwned.resolve("secret"), "root only");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path mine = Files.writeString(alice.resolve("root-file"), "root's, in her home");
        Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rw-------"));
        FTPClient client = server.loggedIn();

        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertFalse(client.retrieveFile("system/secret", got));
        assertEquals(550, client.getReplyCode());
        assertEquals(0, got.size());
        assertFalse(client.retrieveFile("root-file", new ByteArrayOutputStream()));
        assertEquals(550, client.getReplyCode());
        assertFalse(client.deleteFile("system/secret"));
        assertEquals(550, client.getReplyCode());
        assertFalse(client.storeFile("system/new", bytes("no")));
        assertFalse(client.sendSiteCommand("CHMOD 666 root-file"), "only the owner changes modes");
        assertEquals(550, client.getReplyCode());
        assertTrue(Files.exists(secret));
        assertFalse(Files.exists(rootOwned.resolve("new")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mine)));
        client.disconnect();
    }

    @Test
    void uploadsDirectoriesAndAppendsBelongToTheAccount() throws IOException {
        FTPClient client = server.loggedIn();
        assertTrue(client.storeFile("upload.txt", bytes("hello")), client.getReplyString());
        assertTrue(client.makeDirectory("made"), client.getReplyString());
        assertTrue(client.appendFile("made/appended.txt", bytes("one")), client.getReplyString());
        assertTrue(client.appendFile("made/appended.txt", bytes("two")), client.getReplyString());
        assertTrue(client.sendSiteCommand("CHMOD 600 upload.txt"), client.getReplyString());
        client.disconnect();

        for (Path path : new Path[] {alice.resolve("upload.txt"), alice.resolve("made"),
            alice.resolve("made/appended.txt")}) {
            assertEquals(1501, uid(path), path + " uid");
            assertEquals(1501, gid(path), path + " gid");
        }
        assertEquals("onetwo", Files.readString(alice.resolve("made/appended.txt")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                alice.resolve("upload.txt"))));
    }

    @Test
    void aGroupSharesAGroupWritableDirectoryAndTheStickyBitProtectsOwners() throws IOException {
        server.addUser("bob", "bobpass");
        server.addUser("carol", "carolpass");
        server.ids.put("bob", new int[] {1502, 1600});
        server.ids.put("carol", new int[] {1503, 1600});
        // both accounts' root is the same tree: /shared is root's, group 1600, rwxrwx---
        Path tree = Files.createDirectories(temp.resolve("tree"));
        Path shared = Files.createDirectories(tree.resolve("shared"));
        chown(shared, 0, 1600);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
        Path sticky = Files.createDirectories(tree.resolve("sticky"));
        chown(sticky, 0, 1600);
        Files.setAttribute(sticky, "unix:mode", 01770);
        Files.delete(server.home("bob"));
        Files.delete(server.home("carol"));
        Files.createSymbolicLink(server.home("bob"), tree);
        Files.createSymbolicLink(server.home("carol"), tree);

        FTPClient bob = server.loggedInAs("bob");
        FTPClient carol = server.loggedInAs("carol");
        assertTrue(bob.storeFile("shared/by-bob", bytes("bob's")), bob.getReplyString());
        assertEquals(1502, uid(shared.resolve("by-bob")));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertTrue(carol.retrieveFile("shared/by-bob", got), carol.getReplyString());
        assertEquals("bob's", got.toString(StandardCharsets.UTF_8));
        assertTrue(carol.deleteFile("shared/by-bob"), "group-writable directory: " + carol.getReplyString());

        assertTrue(bob.storeFile("sticky/by-bob", bytes("bob's")), bob.getReplyString());
        assertFalse(carol.deleteFile("sticky/by-bob"), "sticky directory");
        assertEquals(550, carol.getReplyCode());
        assertFalse(carol.rename("sticky/by-bob", "sticky/taken"));
        assertFalse(carol.storeFile("sticky/by-bob", bytes("carol's")), "no replacing it either");
        assertTrue(carol.storeFile("sticky/by-carol", bytes("carol's")), carol.getReplyString());
        assertTrue(bob.deleteFile("sticky/by-bob"), bob.getReplyString());
        assertFalse(Files.exists(sticky.resolve("by-bob")));
        assertEquals("carol's", Files.readString(sticky.resolve("by-carol")));
        assertFalse(Files.exists(sticky.resolve("taken")));
        bob.disconnect();
        carol.disconnect();
    }

    @Test
    void aSupplementaryGroupGivenOnlyByTheBackendGrantsAccessToAGroupWritableDirectory() throws IOException {
        // group 4711 is in no /etc/group entry: only the backend's Account.groups() can make dave a member
        Path team = Files.createDirectories(alice.resolve("team"));
        chown(team, 0, 4711);
        Files.setPosixFilePermissions(team, PosixFilePermissions.fromString("rwxrwx---"));
        Path note = Files.writeString(team.resolve("note.txt"), "for the team");
        chown(note, 0, 4711);
        Files.setPosixFilePermissions(note, PosixFilePermissions.fromString("rw-rw----"));

        FTPClient outsider = server.loggedIn();
        assertFalse(outsider.storeFile("team/by-alice", bytes("no")), "alice is not in 4711");
        assertEquals(553, outsider.getReplyCode(), outsider.getReplyString());
        assertFalse(outsider.retrieveFile("team/note.txt", new ByteArrayOutputStream()));
        assertEquals(550, outsider.getReplyCode());
        outsider.disconnect();

        server.groups.put("alice", new int[] {4711});
        FTPClient member = server.loggedIn();
        assertTrue(member.storeFile("team/by-alice", bytes("yes")), member.getReplyString());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertTrue(member.retrieveFile("team/note.txt", got), member.getReplyString());
        assertEquals("for the team", got.toString(StandardCharsets.UTF_8));
        member.disconnect();
        assertEquals(1501, uid(team.resolve("by-alice")));
        assertEquals("yes", Files.readString(team.resolve("by-alice")));
    }
}
