package dev.wharf.storage.local;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.storage.FileInfo;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel's ACL rules, entry by entry, for a user who is not the owner (uid 1501, groups 1501 and 1600). */
@Timeout(10)
class AclEvaluationTest {

    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int GROUP = 0x08;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    private static final int NONE = -1;

    private final Access alice = new Access(1501, new int[] {1501, 1600});
    /** Root's file, group 0: alice is neither owner nor in the owning group. */
    private final FileInfo rootsFile = new FileInfo(FileInfo.Type.FILE, 0640, 1, 0, 0, 0, Instant.EPOCH, null);

    private static Acl acl(int[]... entries) {
        ByteBuffer value = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN);
        value.putInt(2);
        for (int[] entry : entries) {
            value.putShort((short) entry[0]).putShort((short) entry[1]).putInt(entry[2]);
        }
        return Acl.parse(MemorySegment.ofArray(value.array()), value.capacity());
    }

    @Test
    void aNamedUserEntryIsMasked() {
        Acl acl = acl(new int[] {USER_OBJ, 6, NONE}, new int[] {USER, 6, 1501}, new int[] {GROUP_OBJ, 4, NONE},
                new int[] {MASK, 4, NONE}, new int[] {OTHER, 0, NONE});
        assertTrue(alice.permits(rootsFile, 4, acl));
        assertFalse(alice.permits(rootsFile, 2, acl), "rw- masked by r--");
        assertFalse(alice.permits(rootsFile, 4, null), "the mode alone gives others nothing");
    }

    @Test
    void aMatchingGroupEntryWithoutThePermissionDeniesEvenWhenOthersMayRead() {
        Acl acl = acl(new int[] {USER_OBJ, 6, NONE}, new int[] {GROUP_OBJ, 4, NONE}, new int[] {GROUP, 0, 1600},
                new int[] {MASK, 6, NONE}, new int[] {OTHER, 4, NONE});
        assertFalse(alice.permits(rootsFile, 4, acl));
        Acl another = acl(new int[] {USER_OBJ, 6, NONE}, new int[] {GROUP_OBJ, 4, NONE},
                new int[] {GROUP, 0, 1600}, new int[] {GROUP, 6, 1501}, new int[] {MASK, 6, NONE},
                new int[] {OTHER, 0, NONE});
        assertTrue(alice.permits(rootsFile, 6, another), "one matching group entry that grants is enough");
    }

    @Test
    void othersApplyWhenNothingMatches() {
        Acl acl = acl(new int[] {USER_OBJ, 6, NONE}, new int[] {USER, 7, 1777}, new int[] {GROUP_OBJ, 4, NONE},
                new int[] {MASK, 7, NONE}, new int[] {OTHER, 4, NONE});
        assertTrue(alice.permits(rootsFile, 4, acl));
        assertFalse(alice.permits(rootsFile, 2, acl));
    }

    @Test
    void theOwnerIsJudgedByTheModeAndGarbageIsNoAcl() {
        FileInfo hers = new FileInfo(FileInfo.Type.FILE, 0600, 1, 1501, 1501, 0, Instant.EPOCH, null);
        Acl denyHer = acl(new int[] {USER_OBJ, 6, NONE}, new int[] {USER, 0, 1501}, new int[] {GROUP_OBJ, 0, NONE},
                new int[] {MASK, 0, NONE}, new int[] {OTHER, 0, NONE});
        assertTrue(alice.permits(hers, 6, denyHer), "a named entry for the owner does not apply to her");
        assertNull(Acl.parse(MemorySegment.ofArray(new byte[] {1, 0, 0, 0}), 4), "version 1 is not an ACL");
        assertNull(Acl.parse(MemorySegment.ofArray(new byte[7]), 7));
    }
}
