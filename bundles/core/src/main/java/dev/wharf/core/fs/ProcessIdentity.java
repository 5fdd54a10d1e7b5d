package dev.wharf.core.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The user and groups the server process runs as, read once from {@code /proc/self/status}, to judge access from
 * mode bits the way the kernel does (ACLs and read-only mounts aside) without an access(2) call per entry.
 */
public final class ProcessIdentity {

    static final ProcessIdentity CURRENT = read();

    private final int uid;
    private final Set<Integer> groups;

    private ProcessIdentity(int uid, Set<Integer> groups) {
        this.uid = uid;
        this.groups = Set.copyOf(groups);
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
        return UMASK;
    }

    private static final int UMASK = readUmask();

    private static int readUmask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8);
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            // unknown
        }
        return 0777;
    }

    private static ProcessIdentity read() {
        int uid = -1;
        Set<Integer> groups = new HashSet<>();
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
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            // unknown: judged as "other", the safe side
        }
        return new ProcessIdentity(uid, groups);
    }
}
