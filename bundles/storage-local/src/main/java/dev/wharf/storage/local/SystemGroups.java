package dev.wharf.storage.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The supplementary groups of a system account, from {@code /etc/group}: only when {@code /etc/passwd} gives the
 * account's name the same uid, so a virtual user who shares a name with a system user gets none of its groups.
 */
final class SystemGroups {

    private final Path passwd;
    private final Path group;

    SystemGroups(Path passwd, Path group) {
        this.passwd = passwd;
        this.group = group;
    }

    int[] of(String name, int uid) {
        try {
            boolean system = false;
            for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
                String[] fields = line.split(":", -1);
                if (fields.length > 2 && fields[0].equals(name)) {
                    system = fields[2].equals(Integer.toString(uid));
                    break;
                }
            }
            if (!system) {
                return new int[0];
            }
            List<Integer> groups = new ArrayList<>();
            for (String line : Files.readAllLines(group, StandardCharsets.UTF_8)) {
                String[] fields = line.split(":", -1);
                if (fields.length > 3) {
                    for (String member : fields[3].split(",")) {
                        if (member.trim().equals(name)) {
                            groups.add(Integer.parseInt(fields[2]));
                            break;
                        }
                    }
                }
            }
            return groups.stream().mapToInt(Integer::intValue).toArray();
        } catch (IOException | RuntimeException unreadable) {
            return new int[0];
        }
    }
}
