package dev.wharf.auth.passwd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswdFileTest {

    private static final String SECRET_LOOKING_HASH = "$6$leaky$THIS-MUST-NOT-REACH-THE-LOG";

    @TempDir
    Path temp;

    @Test
    void readsARealisticFileSkippingCommentsBlankAndMalformedLines() throws Exception {
        Path file = temp.resolve("pureftpd.passwd");
        // Numbers as pure-pw writes them: -T 1 -t 2 (KB/s) become 1024 and 2048, -N 1 (MB) becomes 1048576.
        Files.writeString(file, String.join("\n",
                "# Wharf test users",
                "alice:" + PasswdAuthBackendTest.BCRYPT + ":1001:1002:Alice A.:/srv/ftp/./alice:1024:2048:1:2:3:100"
                        + ":1048576:192.0.2.1:192.0.2.2:10.0.0.0/8,192.168.1.5:10.9.0.0/16:0900-1800",
                "",
                "   # an indented comment",
                "mallory:" + SECRET_LOOKING_HASH + ":1000:1000::/srv/mallory:::::", // 11 fields
                "bob:" + PasswdAuthBackendTest.ARGON2ID + ":1003:1003::/srv/bob::::::::::::",
                "eve:" + SECRET_LOOKING_HASH + ":x:1000::/srv/eve::::::::::::",
                "bob:" + PasswdAuthBackendTest.SHA512 + ":1004:1004::/srv/bob2::::::::::::",
                "trent:" + SECRET_LOOKING_HASH + ":1000:1000::relative/home::::::::::::",
                "root:" + PasswdAuthBackendTest.SHA512 + ":0:0::/root::::::::::::",
                ""));

        ConsoleCapture.Captured<Map<String, PasswdEntry>> read = ConsoleCapture.capture(() -> PasswdFile.read(file));
        Map<String, PasswdEntry> entries = read.result();

        assertEquals(List.of("alice", "bob", "root"), List.copyOf(entries.keySet()));
        PasswdEntry alice = entries.get("alice");
        assertEquals(new PasswdEntry("alice", PasswdAuthBackendTest.BCRYPT, 1001, 1002, "Alice A.", "/srv/ftp/./alice",
                1024, 2048, 1, 2, 3, 100, 1_048_576, "192.0.2.1", "192.0.2.2", "10.0.0.0/8,192.168.1.5",
                "10.9.0.0/16", "0900-1800"), alice);
        assertEquals("/srv/bob", entries.get("bob").home(), "the first line for a name wins");
        assertEquals(0, entries.get("root").uid(), "uid 0 is read; the backend refuses it at login");
        assertEquals(0, entries.get("bob").maxSessions(), "empty means no limit");

        String log = read.err();
        assertTrue(log.contains("WARN"), log);
        assertTrue(log.contains(file + ":5: line skipped"), log);
        assertTrue(log.contains(file + ":7: line skipped"), log);
        assertTrue(log.contains(file + ":9: line skipped"), log);
        assertTrue(log.contains(file + ":8: account 'bob' appears again"), log);
        assertFalse(log.contains("THIS-MUST-NOT-REACH-THE-LOG"), "hashes never reach the log");
    }

    @Test
    void aMissingFileHasNoUsers() throws Exception {
        assertTrue(PasswdFile.read(temp.resolve("nope/pureftpd.passwd")).isEmpty());
    }

    @Test
    void anEntryRoundTripsThroughItsLine() throws Exception {
        PasswdEntry entry = new PasswdEntry("joe", PasswdAuthBackendTest.ARGON2ID, 1000, 1000, "Joe", "/srv/./joe",
                0, 4096, 0, 0, 2, 0, 0, "", "", "", "", "2200-0600");
        assertEquals(entry, PasswdEntry.parse(entry.toLine()));
        assertEquals(17, entry.toLine().chars().filter(c -> c == ':').count());
    }
}
