package dev.wharf.storage.local;

import dev.wharf.api.storage.FileInfo;
import java.util.Arrays;

/**
 * Judges access from mode bits as the kernel does (ACLs and read-only mounts aside) for one user and its groups,
 * without an access(2) call per entry.
 */
final class Access {

    private final int uid;
    private final int[] groups;

    /** @param groups every group of the user, primary included */
    Access(int uid, int[] groups) {
        this.uid = uid;
        this.groups = Arrays.stream(groups).sorted().distinct().toArray();
    }

    /** Whether the user may read (4), write (2) or execute/search (1) the entry, or-ed. */
    boolean permits(FileInfo info, int wanted) {
        if (uid == 0) {
            // root: everything, but execute only where some execute bit is set (search on directories always)
            return (wanted & 1) == 0 || info.isDirectory() || (info.mode() & 0111) != 0;
        }
        int shift = info.uid() == uid ? 6 : Arrays.binarySearch(groups, info.gid()) >= 0 ? 3 : 0;
        return ((info.mode() >> shift) & wanted) == wanted;
    }
}
