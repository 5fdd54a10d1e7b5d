package dev.wharf.core.session;

import dev.wharf.api.storage.FileNames;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The control connection: reads command lines (CRLF or bare LF, bounded length) and writes RFC 959 replies.
 * Its buffers are allocated once per session.
 */
public final class ControlChannel {

    /** A line longer than the limit; the session answers 421 and closes (as Pure-FTPd does). */
    public static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        LineTooLongException(int limit) {
            super("command line longer than " + limit + " bytes");
        }
    }

    /** A command line not finished within the line timeout (a slow sender); the session answers 421 and closes. */
    public static final class LineTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        LineTimeoutException(long seconds) {
            super("command line not finished within " + seconds + " s");
        }
    }

    private static final byte TELNET_IAC = (byte) 0xFF;

    private volatile Socket socket;
    private volatile InputStream in;
    private volatile OutputStream out;
    /**
     * Small, as commands are (a pipelined burst takes a few reads): with 10,000 idle sessions every kilobyte kept per
     * session is ten megabytes.
     */
    private final byte[] buffer = new byte[1024];
    /** The line being received: grown up to {@link #maxLineLength} only when a long one comes. */
    private byte[] line;
    private final int maxLineLength;
    private final StringBuilder replyText = new StringBuilder(256);
    /** The control reader answers STAT during transfers while the session thread may reply too. */
    private final ReentrantLock replyLock = new ReentrantLock();
    private int bufferStart;
    private int bufferEnd;
    /** Bytes of the current line received so far, and whether the next byte follows a Telnet IAC. */
    private int lineLength;
    private boolean skipNextByte;
    private final long lineTimeoutNanos;
    /** When the first byte of the line being received arrived. */
    private long lineStartedNanos;

    public ControlChannel(Socket socket, int maxLineLength, java.time.Duration lineTimeout) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.maxLineLength = maxLineLength;
        this.line = new byte[Math.min(256, maxLineLength)];
        this.lineTimeoutNanos = lineTimeout.toNanos();
    }

    /**
     * Reads one command line without its terminator, or {@code null} at end of stream. Telnet IAC sequences
     * (IP and the Synch's DM that clients send before ABOR; the socket keeps urgent data inline) are dropped.
     */
    public String readLine() throws IOException {
        // what has arrived of the line so far lives in fields: a read that times out (a quiet client) must not
        // lose it, since the session reads again afterwards
        while (true) {
            if (bufferStart == bufferEnd && !fill()) {
                if (lineLength == 0 && !skipNextByte) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a command");
            }
            byte b = buffer[bufferStart++];
            if (lineLength == 0 && !skipNextByte) {
                lineStartedNanos = System.nanoTime();
            }
            if (skipNextByte) {
                skipNextByte = false; // the command byte after IAC (IP, DM …); IAC IAC, a literal 0xFF, is dropped too
                continue;
            }
            if (b == '\n') {
                int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
                lineLength = 0;
                return FileNames.decode(line, length); // UTF-8; other bytes kept as they came (names are bytes)
            }
            if (b == TELNET_IAC) {
                skipNextByte = true;
                continue;
            }
            if (lineLength == line.length) {
                if (line.length >= maxLineLength) {
                    lineLength = 0;
                    throw new LineTooLongException(maxLineLength);
                }
                line = java.util.Arrays.copyOf(line, Math.min(maxLineLength, line.length * 2));
            }
            line[lineLength++] = b;
        }
    }

    private boolean fill() throws IOException {
        if (lineLength > 0 || skipNextByte) {
            return fillWithinLineDeadline();
        }
        return fillBuffer();
    }

    /**
     * Waits for the rest of a started line no longer than its deadline: a client that trickles a byte now and then
     * would otherwise hold the connection for ever, as each byte restarts the idle timeout.
     */
    private boolean fillWithinLineDeadline() throws IOException {
        long remainingMillis = (lineStartedNanos + lineTimeoutNanos - System.nanoTime()) / 1_000_000;
        if (remainingMillis <= 0) {
            throw lineTimeout();
        }
        Socket current = socket;
        int wanted = current.getSoTimeout();
        if (wanted != 0 && wanted <= remainingMillis) {
            return fillBuffer();
        }
        current.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
        try {
            return fillBuffer();
        } catch (java.net.SocketTimeoutException expired) {
            throw lineTimeout();
        } finally {
            current.setSoTimeout(wanted);
        }
    }

    private LineTimeoutException lineTimeout() {
        lineLength = 0;
        skipNextByte = false;
        return new LineTimeoutException(lineTimeoutNanos / 1_000_000_000L);
    }

    private boolean fillBuffer() throws IOException {
        int read = in.read(buffer, 0, buffer.length);
        if (read <= 0) {
            return false;
        }
        bufferStart = 0;
        bufferEnd = read;
        return true;
    }

    /** Sends a one-line reply. */
    public void reply(int code, String text) throws IOException {
        replyLock.lock();
        try {
            replyText.setLength(0);
            replyText.append(code).append(' ').append(text).append("\r\n");
            send();
        } finally {
            replyLock.unlock();
        }
    }

    /** Sends a multi-line reply: every line but the last as {@code code-text}. */
    public void reply(int code, List<String> lines) throws IOException {
        replyLock.lock();
        try {
            replyText.setLength(0);
            for (int i = 0; i < lines.size(); i++) {
                replyText.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(lines.get(i))
                        .append("\r\n");
            }
            send();
        } finally {
            replyLock.unlock();
        }
    }

    /**
     * Sends {@code code-first}, the middle lines verbatim (each should start with a space, as FEAT's do), then
     * {@code code last}.
     */
    public void replyBlock(int code, String first, List<String> middle, String last) throws IOException {
        replyLock.lock();
        try {
            replyText.setLength(0);
            replyText.append(code).append('-').append(first).append("\r\n");
            middle.forEach(text -> replyText.append(text).append("\r\n"));
            replyText.append(code).append(' ').append(last).append("\r\n");
            send();
        } finally {
            replyLock.unlock();
        }
    }

    private void send() throws IOException {
        // replies never carry bare CR/LF from user input: callers pass names through Replies.quote
        out.write(FileNames.encode(replyText.toString()));
        out.flush();
    }

    public Socket socket() {
        return socket;
    }

    /**
     * Continues over {@code secured} (the same connection after a TLS handshake). Plain text the client sent
     * after AUTH TLS and before the handshake is thrown away, so nobody can inject commands into the encrypted
     * session (CVE-2011-0411). The control reader must be paused while this runs.
     */
    public void switchTo(Socket secured) throws IOException {
        replyLock.lock();
        try {
            socket = secured;
            in = secured.getInputStream();
            out = secured.getOutputStream();
            bufferStart = 0;
            bufferEnd = 0;
            lineLength = 0;
            skipNextByte = false;
        } finally {
            replyLock.unlock();
        }
    }

    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
