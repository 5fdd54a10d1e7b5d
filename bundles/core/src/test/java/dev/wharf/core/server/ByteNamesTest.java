package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Names are bytes on disk. A Latin-1 name made by an old server (here by the shell) is listed, downloaded, renamed
 * and deleted by a client sending those bytes; UTF-8 names round-trip. The build runs this class in a JVM started
 * under {@code LANG=C} as well as under the build's own locale.
 */
@Timeout(60)
class ByteNamesTest extends ServerTestBase {

    private static final byte[] LATIN1 = {'c', 'a', 'f', (byte) 0xE9, '.', 't', 'x', 't'};
    private static final byte[] RENAMED = {'n', (byte) 0xE8, 'w', '.', 't', 'x', 't'};
    private static final byte[] UTF8 = "\u00e9t\u00e9 \u65e5\u672c.txt".getBytes(StandardCharsets.UTF_8);

    /** A file whose name is exactly {@code name}, made by the shell (the JVM may not be able to spell it). */
    private void createByShell(byte[] name, String content) throws Exception {
        StringBuilder octal = new StringBuilder();
        for (byte b : name) {
            octal.append(String.format("\\%03o", b & 0xFF));
        }
        Process shell = new ProcessBuilder("sh", "-c", "printf '%s' \"$2\" > \"$(printf \"$1\")\"", "sh",
                octal.toString(), content).directory(home.toFile()).inheritIO().start();
        assertEquals(0, shell.waitFor());
    }

    /** Whether the home holds an entry named exactly {@code name}. */
    private boolean existsOnDisk(byte[] name) throws Exception {
        Process list = new ProcessBuilder("ls", "-1", "-a", home.toString()).start();
        byte[] listing = list.getInputStream().readAllBytes();
        list.waitFor();
        String lines = new String(listing, StandardCharsets.ISO_8859_1);
        return ("\n" + lines).contains("\n" + new String(name, StandardCharsets.ISO_8859_1) + "\n");
    }

    @Test
    void latin1AndUtf8NamesAreListedDownloadedRenamedAndDeletedWithTheirBytes() throws Exception {
        createByShell(LATIN1, "old server");
        createByShell(UTF8, "unicode");
        try (Raw ftp = new Raw(server.port())) {
            ftp.expect(220);
            ftp.command("USER alice".getBytes(StandardCharsets.US_ASCII), 331);
            ftp.command("PASS wonderland".getBytes(StandardCharsets.US_ASCII), 230);
            ftp.command("TYPE I".getBytes(StandardCharsets.US_ASCII), 200);

            byte[] names = ftp.transfer("NLST".getBytes(StandardCharsets.US_ASCII));
            String listed = new String(names, StandardCharsets.ISO_8859_1);
            assertTrue(listed.contains(new String(LATIN1, StandardCharsets.ISO_8859_1) + "\r\n"), listed);
            assertTrue(listed.contains(new String(UTF8, StandardCharsets.ISO_8859_1) + "\r\n"), listed);

            assertArrayEquals("old server".getBytes(StandardCharsets.US_ASCII),
                    ftp.transfer(concat("RETR ", LATIN1)));
            assertArrayEquals("unicode".getBytes(StandardCharsets.US_ASCII), ftp.transfer(concat("RETR ", UTF8)));
            ftp.command(concat("SIZE ", LATIN1), 213);

            ftp.command(concat("RNFR ", LATIN1), 350);
            ftp.command(concat("RNTO ", RENAMED), 250);
            assertFalse(existsOnDisk(LATIN1));
            assertTrue(existsOnDisk(RENAMED));
            ftp.command(concat("DELE ", RENAMED), 250);
            ftp.command(concat("DELE ", UTF8), 250);
            assertFalse(existsOnDisk(RENAMED));
            assertFalse(existsOnDisk(UTF8));
        }
    }

    private static byte[] concat(String command, byte[] name) {
        byte[] head = command.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + name.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(name, 0, all, head.length, name.length);
        return all;
    }

    /** A byte-exact FTP client: commands and data as bytes, replies read as Latin-1 (one char per byte). */
    private static final class Raw implements AutoCloseable {
        private static final Pattern PASV = Pattern.compile("\\((\\d+),(\\d+),(\\d+),(\\d+),(\\d+),(\\d+)\\)");
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Raw(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1).stripTrailing();
        }

        /** The final line of the next reply. */
        String reply() throws IOException {
            String line = line();
            while (line.length() < 4 || line.charAt(3) == '-' || !Character.isDigit(line.charAt(0))) {
                line = line();
            }
            return line;
        }

        String expect(int code) throws IOException {
            String reply = reply();
            assertEquals(code, Integer.parseInt(reply.substring(0, 3)), reply);
            return reply;
        }

        String command(byte[] command, int code) throws IOException {
            send(command);
            return expect(code);
        }

        void send(byte[] command) throws IOException {
            out.write(command);
            out.write(new byte[] {'\r', '\n'});
            out.flush();
        }

        /** PASV, the command, everything the data connection brings, and the 226. */
        byte[] transfer(byte[] command) throws IOException {
            Matcher address = PASV.matcher(command("PASV".getBytes(StandardCharsets.US_ASCII), 227));
            assertTrue(address.find());
            int port = Integer.parseInt(address.group(5)) * 256 + Integer.parseInt(address.group(6));
            try (Socket data = new Socket()) {
                data.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                data.setSoTimeout(10_000);
                send(command);
                expect(150);
                byte[] bytes = data.getInputStream().readAllBytes();
                expect(226);
                return bytes;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
