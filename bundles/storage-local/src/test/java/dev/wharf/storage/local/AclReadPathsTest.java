package dev.wharf.storage.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs are read two ways: with getxattrat(2) relative to the parent's descriptor (Linux 6.13 and later), or, on an
 * older kernel, through {@code /proc/self/fd/N}. Both must judge the same: run as root, with each way in turn.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AclReadPathsTest {

    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    private static final int NONE = -1;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "getxattrat used: {0}")
    @ValueSource(booleans = {true, false})
    void bothWaysOfReadingAnAclJudgeAlike(boolean getxattrat) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root, as CI runs");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path home = Files.createDirectories(dir.resolve("alice"));
        Files.setAttribute(home, "unix:uid", 1501, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(home, "unix:gid", 1501, LinkOption.NOFOLLOW_LINKS);
        Path shared = Files.createDirectories(home.resolve("shared")); // root's, rwx------
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwx------"));
        Path secret = Files.writeString(home.resolve("secret"), "not for alice");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        // the directory by an ACL on itself (read through the descriptor), the file by one on the entry
        setAcl(shared, new int[][] {{USER_OBJ, 7, NONE}, {USER, 7, 1501}, {GROUP_OBJ, 0, NONE}, {MASK, 7, NONE},
            {OTHER, 0, NONE}});
        setAcl(secret, new int[][] {{USER_OBJ, 6, NONE}, {USER, 0, 1501}, {GROUP_OBJ, 4, NONE}, {MASK, 4, NONE},
            {OTHER, 4, NONE}});

        Account account = new Account("alice", home.toString(), 1501, 1501, AccountLimits.NONE);
        try (Storage storage = new LocalStorageProvider().open(account, Identity.of(account))) {
            assertTrue(storage.can(StorageCapability.PER_ACCOUNT_IDENTITY), "acts for the account as root");
            ((LocalStorage) storage).useGetxattrat(getxattrat);

            assertThrows(AccessDeniedException.class, () -> storage.openRead("/secret").close(),
                    "user:alice:--- refuses what others may read");
            try (PendingUpload upload = storage.startUpload("/shared/granted", 0644)) {
                upload.channel().write(ByteBuffer.wrap("by the ACL".getBytes(StandardCharsets.US_ASCII)));
                upload.commit("granted", false);
            }
            try (ReadFile read = storage.openRead("/shared/granted")) {
                assertEquals(10, read.info().size());
            }
        }
        assertEquals("by the ACL", Files.readString(shared.resolve("granted")));
        assertEquals(1501, Files.getAttribute(shared.resolve("granted"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    /** Writes {@code system.posix_acl_access} as setfacl would: {tag, permissions, id or NONE} per entry. */
    private static void setAcl(Path path, int[][] entries) throws Exception {
        ByteBuffer value = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN);
        value.putInt(2);
        for (int[] entry : entries) {
            value.putShort((short) entry[0]).putShort((short) entry[1]).putInt(entry[2]);
        }
        Process python = new ProcessBuilder("python3", "-c",
                "import os,sys; os.setxattr(sys.argv[1], 'system.posix_acl_access', bytes.fromhex(sys.argv[2]))",
                path.toString(), HexFormat.of().formatHex(value.array())).redirectErrorStream(true).start();
        assertTrue(python.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue(), new String(python.getInputStream().readAllBytes()));
    }
}
