package dev.wharf.core.command;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/** {@code .banner} (after login) and {@code .message} (on CWD) files, read with small limits. */
final class MessageFiles {

    private static final int MAX_BYTES = 4096;
    private static final int MAX_LINES = 40;

    private MessageFiles() {
    }

    /** The file's lines made safe for a reply, or none when it is missing, a link, or unreadable. */
    static List<String> read(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            String text = new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
            return text.lines().limit(MAX_LINES).map(Replies::printable).toList();
        } catch (IOException unreadable) {
            return List.of();
        }
    }
}
