package dev.wharf.storage.local;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.IntPredicate;

/**
 * A POSIX access ACL as Linux stores it in {@code system.posix_acl_access}: a version word, then entries of tag,
 * permission bits and id, in the order the kernel keeps (owner, named users, owning group, named groups, mask,
 * others). Evaluated as the kernel's {@code posix_acl_permission} does.
 */
final class Acl {

    static final String XATTR_NAME = "system.posix_acl_access";

    private static final int VERSION = 2;
    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int GROUP = 0x08;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    private static final int HEADER = 4;
    private static final int ENTRY = 8;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(
            ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int[] tags;
    private final int[] permissions;
    private final int[] ids;

    private Acl(int[] tags, int[] permissions, int[] ids) {
        this.tags = tags;
        this.permissions = permissions;
        this.ids = ids;
    }

    /** The ACL in the first {@code length} bytes of {@code value}, or null when they are not one the kernel wrote. */
    static Acl parse(MemorySegment value, long length) {
        if (length < HEADER || (length - HEADER) % ENTRY != 0 || value.get(INT, 0) != VERSION) {
            return null;
        }
        int count = (int) ((length - HEADER) / ENTRY);
        int[] tags = new int[count];
        int[] permissions = new int[count];
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            long at = HEADER + (long) i * ENTRY;
            tags[i] = Short.toUnsignedInt(value.get(SHORT, at));
            permissions[i] = value.get(SHORT, at + 2) & 7;
            ids[i] = value.get(INT, at + 4);
        }
        return new Acl(tags, permissions, ids);
    }

    /**
     * Whether a user who does not own the entry gets {@code wanted}: a named-user entry (masked), else the
     * matching group entries (masked; one that grants all of {@code wanted} is enough, matching ones that do not
     * deny), else the others' entry.
     */
    boolean permits(int uid, int owningGroup, IntPredicate inGroup, int wanted) {
        boolean groupMatched = false;
        for (int i = 0; i < tags.length; i++) {
            switch (tags[i]) {
                case USER_OBJ, MASK -> {
                    // the owner is judged by the mode bits; the mask applies below
                }
                case USER -> {
                    if (ids[i] == uid) {
                        return masked(i, wanted);
                    }
                }
                case GROUP_OBJ, GROUP -> {
                    int group = tags[i] == GROUP_OBJ ? owningGroup : ids[i];
                    if (inGroup.test(group)) {
                        groupMatched = true;
                        if ((permissions[i] & wanted) == wanted) {
                            return masked(i, wanted);
                        }
                    }
                }
                case OTHER -> {
                    return !groupMatched && (permissions[i] & wanted) == wanted;
                }
                default -> {
                    return false; // not an ACL the kernel would keep: grant nothing
                }
            }
        }
        return false;
    }

    private boolean masked(int entry, int wanted) {
        int granted = permissions[entry];
        for (int i = entry + 1; i < tags.length; i++) {
            if (tags[i] == MASK) {
                granted &= permissions[i];
                break;
            }
        }
        return (granted & wanted) == wanted;
    }
}
