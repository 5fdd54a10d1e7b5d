package dev.wharf.storage.local;

import dev.wharf.api.storage.FileInfo;
import java.util.Arrays;

/**
 * Judges access as the kernel does for one user and its groups (read-only mounts aside), without switching the
 * server's credentials: from mode bits, or from the entry's POSIX access ACL when it has one.
 */
final class Access {

    private final int uid;
    private final int[] groups;

    /** @param groups every group of the user, primary included */
    Access(int uid, int[] groups) {
        this.uid = uid;
        this.groups = Arrays.stream(groups).sorted().distinct().toArray();
    }

    /** Whether the user may read (4), write (2) or execute/search (1) the entry, or-ed, by its mode bits. */
    boolean permits(FileInfo info, int wanted) {
        return permits(info, wanted, null);
    }

    /** As {@link #permits(FileInfo, int)}, by {@code acl} when the entry has one (null: mode bits). */
    boolean permits(FileInfo info, int wanted, Acl acl) {
        if (uid == 0) {
            // root: everything, but execute only where some execute bit is set (search on directories always)
            return (wanted & 1) == 0 || info.isDirectory() || (info.mode() & 0111) != 0;
        }
        if (acl != null && info.uid() != uid) {
            return acl.permits(uid, info.gid(), this::inGroup, wanted);
        }
        int shift = info.uid() == uid ? 6 : inGroup(info.gid()) ? 3 : 0;
        return ((info.mode() >> shift) & wanted) == wanted;
    }

    private boolean inGroup(int gid) {
        return Arrays.binarySearch(groups, gid) >= 0;
    }
}
