package dev.wharf.auth.passwd;

import dev.wharf.auth.passwd.PasswdEntry.MalformedLineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a {@code pureftpd.passwd} file into entries by account name. */
final class PasswdFile {

    private static final Logger LOG = LoggerFactory.getLogger(PasswdFile.class);

    private PasswdFile() {
    }

    /**
     * Reads every good line; a bad line is logged (file and line number, never its content) and skipped, so one
     * typo does not lock everybody out. A missing file has no users.
     */
    static Map<String, PasswdEntry> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException missing) {
            return Map.of();
        }
        Map<String, PasswdEntry> entries = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                PasswdEntry entry = PasswdEntry.parse(line);
                if (entries.putIfAbsent(entry.user(), entry) != null) {
                    LOG.warn("{}:{}: account '{}' appears again; the first line wins", file, i + 1, entry.user());
                }
            } catch (MalformedLineException malformed) {
                LOG.warn("{}:{}: line skipped: {}", file, i + 1, malformed.getMessage());
            }
        }
        return Collections.unmodifiableMap(entries);
    }
}
