package dev.wharf.core.command;

import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code .banner} (after login) and {@code .message} (on CWD) files, read with small limits. */
final class MessageFiles {

    private static final int MAX_BYTES = 4096;
    private static final int MAX_LINES = 40;

    private MessageFiles() {
    }

    /** The file's lines made safe for a reply, or none when it is missing, a link, or unreadable. */
    static List<String> read(Storage storage, String path) {
        try {
            FileInfo entry = storage.lstatIfExists(path);
            if (entry == null || !entry.isFile()) {
                return List.of();
            }
            ByteBuffer bytes = ByteBuffer.allocate(MAX_BYTES);
            try (ReadFile file = storage.openRead(path)) {
                while (bytes.hasRemaining() && file.channel().read(bytes) > 0) {
                    // up to the limit
                }
            }
            String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
            return text.lines().limit(MAX_LINES).map(Replies::printable).toList();
        } catch (IOException unreadable) {
            return List.of();
        }
    }
}
