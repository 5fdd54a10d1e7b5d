package dev.wharf.core.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The user, groups and umask of the server process, read once from {@code /proc/self/status}: access is judged
 * from mode bits the way the kernel does (ACLs and read-only mounts aside) without an access(2) call per entry.
 */
public final class ProcessIdentity {

    static final ProcessIdentity CURRENT = read();

    private final int uid;
    private final Set<Integer> groups;
    private final int umask;

    private ProcessIdentity(int uid, Set<Integer> groups, int umask) {
        this.uid = uid;
        this.groups = Set.copyOf(groups);
        this.umask = umask;
    }

    /** Whether the process may read (4), write (2) or execute/search (1) the entry. */
    boolean may(ListingFormatter.Stat stat, int access) {
        if (uid == 0) {
            // root: everything, but execute only where some execute bit is set (search on directories always)
            return access != 1 || stat.directory() || (stat.mode() & 0111) != 0;
        }
        int shift = stat.uid() == uid ? 6 : groups.contains(stat.gid()) ? 3 : 0;
        return ((stat.mode() >> shift) & access) == access;
    }

    /** The process umask from {@code /proc/self/status}; 0777 when unknown, so callers always set modes. */
    public static int umask() {
        return CURRENT.umask;
    }

    private static ProcessIdentity read() {
        int uid = -1;
        Set<Integer> groups = new HashSet<>();
        int umask = 0777;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                String[] fields = line.split("\\s+");
                if (line.startsWith("Uid:") && fields.length > 2) {
                    uid = Integer.parseInt(fields[2]);
                } else if (line.startsWith("Gid:") && fields.length > 2) {
                    groups.add(Integer.parseInt(fields[2]));
                } else if (line.startsWith("Groups:")) {
                    for (int i = 1; i < fields.length; i++) {
                        groups.add(Integer.parseInt(fields[i]));
                    }
                } else if (line.startsWith("Umask:") && fields.length > 1) {
                    umask = Integer.parseInt(fields[1], 8);
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            // unknown: judged as "other", the safe side
        }
        return new ProcessIdentity(uid, groups, umask);
    }
}
