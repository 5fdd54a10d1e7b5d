package dev.wharf.core.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A control connection without an FTP client library, for tests that must send exactly the bytes they choose
 * (pipelined, split, oversized or malformed commands); the greeting is already read.
 */
record RawControl(Socket socket, BufferedReader replies, OutputStream out) implements AutoCloseable {

    static RawControl open(int port, int timeoutMillis) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        try {
            socket.setSoTimeout(timeoutMillis);
            BufferedReader replies = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            TestPrograms.skipGreeting(replies);
            return new RawControl(socket, replies, socket.getOutputStream());
        } catch (IOException failed) {
            socket.close();
            throw failed;
        }
    }

    /** The last line of the next reply, past any {@code 230-} style continuation lines. */
    String finalReply() throws IOException {
        String line;
        do {
            line = replies.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
