package dev.wharf.api.storage;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * How names travel between the FTP control connection, the core and storages: as UTF-8 whatever the server's
 * locale, and a byte that is not part of valid UTF-8 as the lone surrogate {@code U+DC80..U+DCFF} (as Python's
 * {@code surrogateescape}). A Latin-1 name read from a disk is shown to the client, and sent back by it, with its
 * own bytes, and a storage writes it back unchanged.
 */
public final class FileNames {

    /**
     * The start of the hidden name {@code .wharf-partial.<name>} under which the core keeps a cut upload beside
     * {@code <name>} so that it can be resumed (listener setting {@code upload.mode = atomic-resume}). The core
     * never lists such names nor lets clients name them; a storage keeps them when it clears left-overs of uploads,
     * and may remove the ones unchanged for longer than it keeps partial uploads.
     */
    public static final String PARTIAL_UPLOAD_PREFIX = ".wharf-partial.";

    private FileNames() {
    }

    /** The bytes of {@code text}, without a terminating NUL. */
    public static byte[] encode(String text) {
        int length = text.length();
        boolean ascii = true;
        for (int i = 0; i < length; i++) {
            if (text.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return text.getBytes(StandardCharsets.ISO_8859_1);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length * 2);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out.write(c);
            } else if (c >= 0xDC80 && c <= 0xDCFF) {
                out.write(c - 0xDC00);
            } else if (c < 0x800) {
                out.write(0xC0 | (c >> 6));
                out.write(0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                int code = Character.toCodePoint(c, text.charAt(++i));
                out.write(0xF0 | (code >> 18));
                out.write(0x80 | ((code >> 12) & 0x3F));
                out.write(0x80 | ((code >> 6) & 0x3F));
                out.write(0x80 | (code & 0x3F));
            } else if (Character.isSurrogate(c)) {
                out.write('?'); // a lone surrogate that stands for no byte has no encoding
            } else {
                out.write(0xE0 | (c >> 12));
                out.write(0x80 | ((c >> 6) & 0x3F));
                out.write(0x80 | (c & 0x3F));
            }
        }
        return out.toByteArray();
    }

    /** The name for {@code bytes[0..length)}. */
    public static String decode(byte[] bytes, int length) {
        boolean ascii = true;
        for (int i = 0; i < length; i++) {
            if (bytes[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
        StringBuilder text = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                text.append((char) b);
                i++;
                continue;
            }
            int needed = b >= 0xF0 && b <= 0xF4 ? 3 : b >= 0xE0 ? (b <= 0xEF ? 2 : -1) : b >= 0xC2 ? 1 : -1;
            int code = needed == 3 ? b & 0x07 : needed == 2 ? b & 0x0F : b & 0x1F;
            boolean valid = needed > 0 && i + needed < length;
            for (int k = 1; valid && k <= needed; k++) {
                int next = bytes[i + k] & 0xFF;
                if ((next & 0xC0) != 0x80) {
                    valid = false;
                } else {
                    code = (code << 6) | (next & 0x3F);
                }
            }
            if (valid && ((needed == 2 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF)))
                    || (needed == 3 && (code < 0x10000 || code > 0x10FFFF)))) {
                valid = false;
            }
            if (valid) {
                text.appendCodePoint(code);
                i += needed + 1;
            } else {
                text.append((char) (0xDC00 + b));
                i++;
            }
        }
        return text.toString();
    }
}
