package dev.wharf.auth.passwd;

import dev.wharf.auth.passwd.PasswdEntry.MalformedLineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.function.UnaryOperator;
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

    /**
     * Changes the file's lines under an exclusive lock on {@code <file>.lock} (held across processes, so
     * {@code bin/wharf user} and the Gogo commands never lose each other's edits) and replaces the file by an
     * atomic rename: a reader sees the old or the new file, never half of one. {@code change} gets the current
     * lines (empty when the file is missing) and returns the new ones; it may throw to abort without writing.
     */
    static void edit(Path file, UnaryOperator<List<String>> change) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path lockFile = directory.resolve(file.getFileName() + ".lock");
        synchronized (PasswdFile.class) { // FileLock is per process: threads of this JVM queue here
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = channel.lock()) {
                List<String> lines;
                try {
                    lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
                } catch (NoSuchFileException missing) {
                    lines = new ArrayList<>();
                }
                List<String> changed = change.apply(lines);
                replace(file, changed);
            }
        }
    }

    private static void replace(Path file, List<String> lines) throws IOException {
        Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".pureftpd.passwd.", ".tmp");
        try {
            if (Files.getFileStore(temporary).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            StringBuilder text = new StringBuilder();
            for (String line : lines) {
                text.append(line).append('\n');
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                var buffer = StandardCharsets.UTF_8.encode(text.toString());
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true); // on disk before the rename makes it the file
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** The account name of a line, or null for a comment or blank line. */
    static String accountOf(String line) {
        String stripped = line.strip();
        if (stripped.isEmpty() || stripped.startsWith("#")) {
            return null;
        }
        int colon = stripped.indexOf(':');
        return colon < 0 ? stripped : stripped.substring(0, colon);
    }
}
