package dev.wharf.storage.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The server process's user, groups, umask and capabilities, from {@code /proc/self/status}. */
record ProcessStatus(int uid, int[] groups, int umask, long effectiveCapabilities) {

    static final int CAP_CHOWN = 0;
    static final int CAP_DAC_OVERRIDE = 1;

    static ProcessStatus read() {
        int uid = -1;
        List<Integer> groups = new ArrayList<>();
        int umask = 0777;
        long capabilities = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                String[] fields = line.trim().split("\\s+");
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
                } else if (line.startsWith("CapEff:") && fields.length > 1) {
                    capabilities = Long.parseUnsignedLong(fields[1], 16);
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            // unknown: judged as "other", the safe side
        }
        return new ProcessStatus(uid, groups.stream().mapToInt(Integer::intValue).toArray(), umask, capabilities);
    }

    /** Whether the process may give files away and reach them whatever their modes: root, or both capabilities. */
    boolean canActForAccounts() {
        long needed = (1L << CAP_CHOWN) | (1L << CAP_DAC_OVERRIDE);
        return (effectiveCapabilities & needed) == needed;
    }
}
