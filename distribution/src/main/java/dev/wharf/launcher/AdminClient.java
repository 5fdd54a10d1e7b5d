package dev.wharf.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code bin/wharf who|kick|stats|bans|unban}: sends the command line to the running server's admin socket
 * ({@code var/run/admin.sock} unless {@code etc/dev.wharf.admin.cfg} names another) and prints the answer.
 * Exit code 0 on success, 1 when the server refused the command, 3 when no server answers.
 */
public final class AdminClient {

    private AdminClient() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: AdminClient SOCKET COMMAND [ARGUMENT...]");
            System.exit(2);
        }
        Path socket = Path.of(args[0]);
        if (!Files.exists(socket)) {
            System.err.println("wharf: the server is not running (no admin socket " + socket + ")");
            System.exit(3);
        }
        String request = String.join(" ", java.util.Arrays.copyOfRange(args, 1, args.length)) + "\n";
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (channel.read(in) >= 0) {
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
            String text = answer.toString(StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            String status = newline < 0 ? text : text.substring(0, newline);
            String body = newline < 0 ? "" : text.substring(newline + 1);
            if (status.equals("OK")) {
                System.out.print(body);
                System.out.flush();
                System.exit(0);
            }
            System.err.print("wharf: " + body);
            System.exit(1);
        } catch (IOException failure) {
            System.err.println("wharf: the server is not answering on " + socket + ": " + failure.getMessage());
            System.exit(3);
        }
    }
}
