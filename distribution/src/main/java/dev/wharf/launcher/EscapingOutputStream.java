package dev.wharf.launcher;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The log's way out: control bytes other than newline and tab are written as {@code \xNN}, so that what a client
 * sent (a NUL, an escape sequence, a carriage return) can neither hide nor forge log lines, whichever bundle logs
 * it. UTF-8 text passes unchanged, as all its bytes of multi-byte characters are 0x80 and above.
 */
final class EscapingOutputStream extends FilterOutputStream {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    EscapingOutputStream(OutputStream out) {
        super(out);
    }

    static boolean needsEscape(int b) {
        return (b < 0x20 && b != '\n' && b != '\t') || b == 0x7F;
    }

    @Override
    public void write(int b) throws IOException {
        int value = b & 0xFF;
        if (needsEscape(value)) {
            out.write(new byte[] {'\\', 'x', HEX[value >> 4], HEX[value & 0xF]});
        } else {
            out.write(value);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (needsEscape(bytes[i] & 0xFF)) {
                out.write(bytes, start, i - start);
                write(bytes[i]);
                start = i + 1;
            }
        }
        out.write(bytes, start, end - start);
    }
}
