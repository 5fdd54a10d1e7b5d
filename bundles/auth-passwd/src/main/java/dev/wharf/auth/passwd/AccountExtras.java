package dev.wharf.auth.passwd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@code pureftpd.passwd} line has no field for, kept beside it in its own file so that pure-pw and
 * Pure-FTPd, which expect exactly 18 fields, read the passwd file unchanged. One setting per line:
 * <pre>
 * # account:name=value
 * joe:groups=2001,2002          supplementary groups (numbers; 0 is refused)
 * joe:storage=s3                any other name is an account attribute (storage, storage.*, folder.*...)
 * joe:folder.pub.path=/pub
 * </pre>
 * A malformed line is logged (file and line number) and skipped.
 */
final class AccountExtras {

    private static final Logger LOG = LoggerFactory.getLogger(AccountExtras.class);
    static final String GROUPS = "groups";

    /** One account's supplementary groups and attributes. */
    record Extras(int[] groups, Map<String, String> attributes) {
        static final Extras NONE = new Extras(new int[0], Map.of());
    }

    private AccountExtras() {
    }

    static Map<String, Extras> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException missing) {
            return Map.of();
        }
        Map<String, int[]> groups = new HashMap<>();
        Map<String, Map<String, String>> attributes = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            int equals = colon < 0 ? -1 : line.indexOf('=', colon);
            if (colon <= 0 || equals <= colon + 1) {
                LOG.warn("{}:{}: line skipped: expected account:name=value", file, i + 1);
                continue;
            }
            String account = line.substring(0, colon);
            String name = line.substring(colon + 1, equals).strip();
            String value = line.substring(equals + 1).strip();
            if (name.equals(GROUPS)) {
                try {
                    int[] numbers = value.isEmpty() ? new int[0] : Arrays.stream(value.split(","))
                            .map(String::strip).mapToInt(Integer::parseInt).toArray();
                    if (Arrays.stream(numbers).anyMatch(group -> group <= 0)) {
                        throw new NumberFormatException("negative");
                    }
                    groups.merge(account, numbers, (a, b) -> java.util.stream.IntStream.concat(
                            Arrays.stream(a), Arrays.stream(b)).toArray());
                } catch (NumberFormatException notNumbers) {
                    LOG.warn("{}:{}: line skipped: groups must be positive numbers (not 0) separated by commas", file, i + 1);
                }
                continue;
            }
            attributes.computeIfAbsent(account, ignored -> new HashMap<>()).put(name, value);
        }
        Map<String, Extras> extras = new HashMap<>();
        for (String account : union(groups.keySet(), attributes.keySet())) {
            extras.put(account, new Extras(groups.getOrDefault(account, new int[0]),
                    Map.copyOf(attributes.getOrDefault(account, Map.of()))));
        }
        return Collections.unmodifiableMap(extras);
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
