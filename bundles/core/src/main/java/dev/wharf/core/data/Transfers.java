package dev.wharf.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.SocketChannel;

/**
 * Byte movers for data connections. Buffers come from the caller so each session allocates them once; progress
 * is reported per chunk so that STAT can answer during a transfer.
 */
public final class Transfers {

    /** sendfile in chunks: large enough to be cheap, small enough for STAT to show progress. */
    private static final long SENDFILE_CHUNK = 8L * 1024 * 1024;

    private Transfers() {
    }

    /**
     * Sends {@code file} from {@code position} to {@code size} (its size when opened: the caller has asked already)
     * with zero-copy (sendfile on Linux).
     */
    public static long sendFile(FileChannel file, long position, long size, SocketChannel out,
                                TransferProgress progress) throws IOException {
        long sent = 0;
        long chunk = progress.chunkSize((int) SENDFILE_CHUNK);
        while (position + sent < size) {
            long n = file.transferTo(position + sent, Math.min(chunk, size - position - sent), out);
            if (n <= 0) {
                if (file.size() <= position + sent) {
                    break; // the file shrank while being sent
                }
                continue;
            }
            sent += n;
            progress.moved(n);
        }
        return sent;
    }

    /**
     * Sends {@code file} from {@code position} to {@code size} by reading it into a buffer and writing that to the
     * socket: two copies, which on loopback beat sendfile's none (the listener setting {@code sendfile}). A transfer
     * larger than {@code buffer}, the session's own, goes through a 512 KiB buffer borrowed for it when one is free
     * and no throttle keeps its chunks within {@code buffer}: on loopback, 512 KiB at a time moved about 1.5 times
     * as much per second as 64 KiB (measured).
     */
    public static long sendByCopy(SeekableByteChannel file, long position, long size, SocketChannel out,
                                  ByteBuffer buffer, LargeBuffers largeBuffers, TransferProgress progress)
            throws IOException {
        boolean large = size - position > buffer.capacity()
                && progress.chunkSize(LargeBuffers.SIZE) > buffer.capacity();
        ByteBuffer borrowed = large ? largeBuffers.borrow() : null;
        ByteBuffer current = borrowed != null ? borrowed : buffer;
        long sent = 0;
        try {
            int chunk = progress.chunkSize(current.capacity());
            file.position(position);
            while (position + sent < size) {
                current.clear().limit((int) Math.min(chunk, size - position - sent));
                int n = file.read(current);
                if (n < 0) {
                    break; // the file shrank while being sent
                }
                current.flip();
                while (current.hasRemaining()) {
                    out.write(current);
                }
                sent += n;
                progress.moved(n);
            }
            return sent;
        } finally {
            largeBuffers.giveBack(borrowed);
        }
    }

    /** Copies a stream unchanged (binary over TLS, where sendfile cannot be used). */
    public static long copy(InputStream in, OutputStream out, byte[] buffer, TransferProgress progress)
            throws IOException {
        long total = 0;
        int length = progress.chunkSize(buffer.length);
        int n;
        while ((n = in.read(buffer, 0, length)) >= 0) {
            out.write(buffer, 0, n);
            total += n;
            progress.moved(n);
        }
        return total;
    }

    /** The data connection failed while an upload was read from it (as opposed to the file failing). */
    public static final class DataConnectionLostException extends IOException {
        private static final long serialVersionUID = 1L;

        DataConnectionLostException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static int readUpload(InputStream in, byte[] buffer, int length) throws DataConnectionLostException {
        try {
            return in.read(buffer, 0, length);
        } catch (IOException lost) {
            throw new DataConnectionLostException(lost);
        }
    }

    /** Copies a socket stream into a file channel at its current position. */
    public static long receive(InputStream in, SeekableByteChannel file, byte[] buffer, TransferProgress progress)
            throws IOException {
        long total = 0;
        int length = progress.chunkSize(buffer.length);
        int n;
        while ((n = readUpload(in, buffer, length)) >= 0) {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
            while (chunk.hasRemaining()) {
                file.write(chunk);
            }
            total += n;
            progress.moved(n);
        }
        return total;
    }

    /**
     * Copies a plain data connection into a file at its current position through a direct buffer: the bytes go
     * from socket to file without the two extra copies a heap buffer costs (the JDK stages heap buffers in a
     * direct one for each read and each write). {@code buffer} is the session's own; when a read fills it (the
     * client sends faster than it is read), the rest goes through a large buffer borrowed for the transfer, if one
     * is free: a few system calls per megabyte instead of dozens.
     */
    public static long receive(SocketChannel in, SeekableByteChannel file, ByteBuffer buffer,
                               LargeBuffers largeBuffers, TransferProgress progress) throws IOException {
        ByteBuffer current = buffer;
        ByteBuffer borrowed = null;
        long total = 0;
        try {
            int length = progress.chunkSize(current.capacity());
            while (true) {
                current.clear().limit(length);
                int n;
                try {
                    n = in.read(current);
                } catch (IOException lost) {
                    throw new DataConnectionLostException(lost);
                }
                if (n < 0) {
                    return total;
                }
                current.flip();
                while (current.hasRemaining()) {
                    file.write(current);
                }
                total += n;
                progress.moved(n);
                if (borrowed == null && n == current.capacity()) {
                    borrowed = largeBuffers.borrow();
                    if (borrowed != null) {
                        current = borrowed;
                        length = progress.chunkSize(current.capacity());
                    }
                }
            }
        } finally {
            largeBuffers.giveBack(borrowed);
        }
    }

    /** ASCII download: LF becomes CRLF unless it already follows a CR. Returns bytes read from {@code in}. */
    public static long sendAscii(InputStream in, OutputStream out, byte[] buffer, TransferProgress progress)
            throws IOException {
        long total = 0;
        boolean previousWasCr = false;
        int length = progress.chunkSize(buffer.length);
        int n;
        while ((n = in.read(buffer, 0, length)) >= 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                byte b = buffer[i];
                if (b == '\n' && !previousWasCr) {
                    out.write(buffer, start, i - start);
                    out.write('\r');
                    start = i;
                }
                previousWasCr = b == '\r';
            }
            out.write(buffer, start, n - start);
            total += n;
            progress.moved(n);
        }
        return total;
    }

    /** ASCII upload: CRLF becomes LF; a CR not followed by LF is kept. Returns bytes read from {@code in}. */
    public static long receiveAscii(InputStream in, OutputStream out, byte[] buffer, TransferProgress progress)
            throws IOException {
        long total = 0;
        boolean pendingCr = false;
        int length = progress.chunkSize(buffer.length);
        int n;
        while ((n = readUpload(in, buffer, length)) >= 0) {
            int write = 0;
            for (int i = 0; i < n; i++) {
                byte b = buffer[i];
                if (pendingCr && b != '\n') {
                    buffer[write++] = '\r';
                }
                pendingCr = b == '\r';
                if (!pendingCr) {
                    buffer[write++] = b;
                }
            }
            out.write(buffer, 0, write);
            total += n;
            progress.moved(n);
        }
        if (pendingCr) {
            out.write('\r');
        }
        return total;
    }
}
