package dev.wharf.storage.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The supplementary groups of a system account, from {@code /etc/group}: only when {@code /etc/passwd} gives the
 * account's name the same uid, so a virtual user who shares a name with a system user gets none of its groups.
 * Both files are read again only when they change (a stat of each per login instead of reading them).
 */
final class SystemGroups {

    private final Path passwd;
    private final Path group;
    private volatile Snapshot snapshot;

    /** What both files said, and how they looked (identity, size, times) when read. */
    private record Snapshot(Object passwdVersion, Object groupVersion, Map<String, String> uids,
                            Map<String, int[]> groups) {
    }

    SystemGroups(Path passwd, Path group) {
        this.passwd = passwd;
        this.group = group;
    }

    int[] of(String name, int uid) {
        try {
            Snapshot current = current();
            if (!Integer.toString(uid).equals(current.uids().get(name))) {
                return new int[0];
            }
            return current.groups().getOrDefault(name, new int[0]).clone();
        } catch (IOException | RuntimeException unreadable) {
            return new int[0];
        }
    }

    private Snapshot current() throws IOException {
        Object passwdVersion = version(passwd);
        Object groupVersion = version(group);
        Snapshot known = snapshot;
        if (known != null && known.passwdVersion().equals(passwdVersion)
                && known.groupVersion().equals(groupVersion)) {
            return known;
        }
        Map<String, String> uids = new HashMap<>();
        for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
            String[] fields = line.split(":", -1);
            if (fields.length > 2) {
                uids.putIfAbsent(fields[0], fields[2]); // the first line of a name counts, as getpwnam(3) has it
            }
        }
        Map<String, List<Integer>> members = new HashMap<>();
        for (String line : Files.readAllLines(group, StandardCharsets.UTF_8)) {
            String[] fields = line.split(":", -1);
            if (fields.length > 3) {
                int gid;
                try {
                    gid = Integer.parseInt(fields[2]);
                } catch (NumberFormatException malformed) {
                    continue;
                }
                for (String member : fields[3].split(",")) {
                    String trimmed = member.trim();
                    if (!trimmed.isEmpty()) {
                        List<Integer> gids = members.computeIfAbsent(trimmed, ignored -> new ArrayList<>());
                        if (!gids.contains(gid)) {
                            gids.add(gid);
                        }
                    }
                }
            }
        }
        Map<String, int[]> groups = new HashMap<>();
        members.forEach((member, gids) -> groups.put(member, gids.stream().mapToInt(Integer::intValue).toArray()));
        Snapshot read = new Snapshot(passwdVersion, groupVersion, Map.copyOf(uids), Map.copyOf(groups));
        snapshot = read;
        return read;
    }

    /** What changes when the file is rewritten or replaced: its inode, size and modification time. */
    private static Object version(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(String.valueOf(attributes.fileKey()), attributes.size(), attributes.lastModifiedTime());
    }
}
