package dev.wharf.core.activity;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pure-FTPd's syslog lines, {@code pure-ftpd[pid]: (user@host) [LEVEL] message}, sent to the local syslog socket or
 * over UDP (see {@link SyslogSettings}): connections, failed and successful logins, logouts, transfers and, with
 * {@code commands = true}, every command. The wording is Pure-FTPd's, so fail2ban's stock {@code pure-ftpd} filter
 * and logwatch's rules match. A line is one datagram; when the socket is missing or full it is dropped (the
 * server never waits for syslog) and the first drop after a success is logged.
 */
@Designate(ocd = SyslogSettings.Config.class)
@Component(service = Syslog.class, configurationPid = SyslogSettings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class Syslog {

    private static final Logger LOG = LoggerFactory.getLogger(Syslog.class);
    private static final DateTimeFormatter RFC3164_TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.US);
    private static final DateTimeFormatter RFC5424_TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    /** A line longer than this is cut: the usual datagram limit of syslog daemons. */
    private static final int MAX_LINE_BYTES = 2048;

    private final long pid = ProcessHandle.current().pid();
    private final String hostName = hostName();
    private volatile SyslogSettings settings = SyslogSettings.OFF;
    private volatile Sender sender;
    private volatile boolean failing;

    /** Off until configured (Declarative Services calls {@link #configure}). */
    public Syslog() {
    }

    @Activate
    @Modified
    public void configure(Map<String, ?> properties) {
        SyslogSettings next;
        try {
            next = SyslogSettings.from(properties);
        } catch (IllegalArgumentException invalid) {
            LOG.error("{} - keeping the previous syslog settings", invalid.getMessage());
            return;
        }
        Sender previous = sender;
        Sender opened = null;
        try {
            opened = next.target().equals("none") ? null : Sender.open(next);
        } catch (IOException | RuntimeException unusable) {
            LOG.error("{}: cannot send to syslog target '{}': {} - syslog output off", SyslogSettings.PID,
                    next.target(), unusable.toString());
            next = SyslogSettings.OFF;
        }
        settings = next;
        sender = opened;
        failing = false;
        if (previous != null) {
            previous.close();
        }
        if (opened != null) {
            LOG.info("Syslog: Pure-FTPd-style lines to {} ({}, facility {}, from level {}{})", next.target(),
                    next.rfc5424() ? "RFC 5424" : "RFC 3164", next.facility(), next.level(),
                    next.commands() ? ", every command" : "");
        }
    }

    @Deactivate
    public void close() {
        Sender current = sender;
        sender = null;
        settings = SyslogSettings.OFF;
        if (current != null) {
            current.close();
        }
    }

    /** Whether command lines are wanted (so that sessions build none otherwise). */
    public boolean logsCommands() {
        return sender != null && settings.commands() && settings.level() >= SyslogSettings.DEBUG;
    }

    public void connected(String host) {
        send(SyslogSettings.INFO, null, host, "New connection from " + sanitizedHost(host));
    }

    public void loginFailed(String user, String host) {
        send(SyslogSettings.WARNING, null, host, "Authentication failed for user [" + printable(user) + "]");
    }

    public void loggedIn(String user, String host) {
        send(SyslogSettings.INFO, user, host, printable(user) + " is now logged in");
    }

    public void loggedOut(String user, String host) {
        send(SyslogSettings.INFO, user, host, "Logout.");
    }

    /** {@code /root//path uploaded  (N bytes, R KB/sec)}: the {@code //} marks the account's root, as in Pure-FTPd. */
    public void transferred(TransferRecord record) {
        if (sender == null || settings.level() < SyslogSettings.NOTICE) {
            return;
        }
        String file = record.file().toString();
        String virtual = record.virtualPath();
        String shown = file.endsWith(virtual) && virtual.startsWith("/")
                ? file.substring(0, file.length() - virtual.length()) + "/" + virtual : file;
        double seconds = Math.max(record.duration().toNanos() / 1e9, 1e-6);
        String rate = String.format(Locale.ROOT, "%.2f", record.bytes() / 1024.0 / seconds);
        send(SyslogSettings.NOTICE, record.account(), record.client().getHostAddress(), printable(shown) + " "
                + (record.upload() ? "uploaded" : "downloaded") + "  (" + record.bytes() + " bytes, " + rate
                + "KB/sec)");
    }

    /** Pure-FTPd's VerboseLog line; the argument of PASS is never shown. */
    public void command(String user, String host, String verb, String argument) {
        if (!logsCommands()) {
            return;
        }
        String lower = verb.toLowerCase(Locale.ROOT);
        send(SyslogSettings.DEBUG, user, host, "Command [" + printable(lower) + "] ["
                + (lower.equals("pass") ? "<*>" : printable(argument)) + "]");
    }

    private void send(int severity, String user, String host, String message) {
        Sender current = sender;
        SyslogSettings now = settings;
        if (current == null || severity > now.level()) {
            return;
        }
        String line = "(" + (user == null ? "?" : printable(user)) + "@" + sanitizedHost(host) + ") ["
                + levelName(severity) + "] " + message;
        byte[] datagram = frame(now, severity, line);
        try {
            current.send(datagram);
            failing = false;
        } catch (IOException dropped) {
            if (!failing) {
                failing = true;
                LOG.warn("Syslog line dropped ({}): {}", now.target(), dropped.getMessage());
            }
        }
    }

    private byte[] frame(SyslogSettings now, int severity, String line) {
        int priority = now.facility() * 8 + severity;
        ZonedDateTime time = ZonedDateTime.now();
        String text;
        if (now.rfc5424()) {
            text = "<" + priority + ">1 " + RFC5424_TIME.format(time) + " " + hostName + " " + now.ident() + " "
                    + pid + " - - " + line;
        } else {
            // to the local socket without a host name, as the C library's syslog(3) sends it; over the network
            // with one, so the receiver records where the line came from
            String host = now.socketPath() == null ? hostName + " " : "";
            text = "<" + priority + ">" + RFC3164_TIME.format(time) + " " + host + now.ident() + "[" + pid + "]: "
                    + line;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= MAX_LINE_BYTES ? bytes : java.util.Arrays.copyOf(bytes, MAX_LINE_BYTES);
    }

    private static String levelName(int severity) {
        return switch (severity) {
            case SyslogSettings.DEBUG -> "DEBUG";
            case SyslogSettings.INFO -> "INFO";
            case SyslogSettings.NOTICE -> "NOTICE";
            case SyslogSettings.WARNING -> "WARNING";
            default -> "ERROR";
        };
    }

    /** As Pure-FTPd does: host names and addresses only with {@code [A-Za-z0-9.:-]}. */
    private static String sanitizedHost(String host) {
        return host == null ? "?" : host.replaceAll("[^A-Za-z0-9.:-]", "_");
    }

    /** Client-chosen text (names, paths) with control characters escaped: one line stays one line. */
    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                out.append(String.format(Locale.ROOT, "\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** The kernel's host name (never a DNS lookup); {@code -} when unknown, as RFC 5424 has it. */
    private static String hostName() {
        try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/hostname"))) {
            String name = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return name.matches("[A-Za-z0-9.-]{1,255}") ? name : "-";
        } catch (IOException | RuntimeException notLinux) {
            return "-";
        }
    }

    /** Where datagrams go: a Unix datagram socket (through the C library: Java has no such channel) or UDP. */
    private interface Sender {

        void send(byte[] datagram) throws IOException;

        void close();

        static Sender open(SyslogSettings settings) throws IOException {
            Path socket = settings.socketPath();
            if (socket != null) {
                return new UnixDatagram(socket);
            }
            InetSocketAddress unresolved = SyslogSettings.udpTarget(settings.target());
            InetSocketAddress target = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
            if (target.isUnresolved()) {
                throw new IOException("unknown host " + unresolved.getHostString());
            }
            DatagramChannel channel = DatagramChannel.open();
            return new Sender() {
                @Override
                public void send(byte[] datagram) throws IOException {
                    channel.send(ByteBuffer.wrap(datagram), target);
                }

                @Override
                public void close() {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            };
        }
    }

    /** {@code socket(AF_UNIX, SOCK_DGRAM)} and {@code sendto} through the FFM API, as syslog(3) does. */
    private static final class UnixDatagram implements Sender {

        private static final int AF_UNIX = 1;
        private static final int SOCK_DGRAM = 2;
        private static final int SOCK_CLOEXEC = 0x80000;
        private static final int MSG_DONTWAIT = 0x40;
        private static final int MSG_NOSIGNAL = 0x4000;
        private static final int SUN_PATH_BYTES = 108;
        private static final Linker LINKER = Linker.nativeLinker();
        private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
        private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
                .byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
        private static final MethodHandle SOCKET = function("socket",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT));
        private static final MethodHandle SENDTO = LINKER.downcallHandle(LINKER.defaultLookup().find("sendto")
                .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT), ERRNO);
        private static final MethodHandle CLOSE = function("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

        private final Path path;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment address;
        private final int fd;

        UnixDatagram(Path path) throws IOException {
            this.path = path;
            byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            if (name.length >= SUN_PATH_BYTES) {
                throw new IOException("socket path longer than " + (SUN_PATH_BYTES - 1) + " bytes");
            }
            address = arena.allocate(2 + SUN_PATH_BYTES);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
            try {
                fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            } catch (Throwable unexpected) {
                arena.close();
                throw new IOException("socket() failed", unexpected);
            }
            if (fd < 0) {
                arena.close();
                throw new IOException("socket(AF_UNIX, SOCK_DGRAM) failed");
            }
        }

        @Override
        public void send(byte[] datagram) throws IOException {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment data = call.allocate(datagram.length);
                MemorySegment.copy(datagram, 0, data, ValueLayout.JAVA_BYTE, 0, datagram.length);
                MemorySegment state = call.allocate(Linker.Option.captureStateLayout());
                long sent = (long) SENDTO.invokeExact(state, fd, data, (long) datagram.length,
                        MSG_DONTWAIT | MSG_NOSIGNAL, address, (int) address.byteSize());
                if (sent < 0) {
                    int errno = state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
                    throw new IOException("sendto " + path + " failed (errno " + errno + ")");
                }
            } catch (IOException failed) {
                throw failed;
            } catch (Throwable unexpected) {
                throw new IOException("sendto " + path + " failed", unexpected);
            }
        }

        @Override
        public void close() {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable ignored) {
                // closing anyway
            }
            arena.close();
        }

        private static MethodHandle function(String name, FunctionDescriptor descriptor) {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
        }
    }
}
