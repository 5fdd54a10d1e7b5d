package dev.wharf.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starting, reading and stopping the servers under test: a copy of the built Wharf distribution and Debian's
 * pure-ftpd. Their cost is read from {@code /proc}: CPU time from {@code stat}, memory from {@code smaps_rollup}.
 */
final class Servers {

    /** Kernel clock ticks per second, the unit of CPU times in {@code /proc/<pid>/stat} (100 on Linux/x86). */
    private static final long TICKS_PER_SECOND = 100;

    /** How a server is started for one group of workloads; passive ports 0: any (Pure-FTPd only). */
    record Setup(int port, int passiveFrom, int passiveTo) {
    }

    /** One running server as the workloads see it. */
    record Server(String name, int port, Process process) {

        /**
         * Seconds of CPU the server has used: user and system time of the process (all its threads, ended ones
         * too) and of the children it has reaped (Pure-FTPd's ended sessions), plus the time its live children have
         * run so far. The live children are read from {@code schedstat} in nanoseconds: their {@code stat} times
         * are whole clock ticks, and a session that ran for less than a tick would count as nothing.
         */
        double cpuSeconds() {
            double seconds = ticks(process.pid()) / (double) TICKS_PER_SECOND;
            for (ProcessHandle child : process.toHandle().descendants().toList()) {
                seconds += runNanos(child.pid()) / 1e9;
            }
            return seconds;
        }

        /** Waits (at most 30 s) until the server has no child processes left: ended sessions are reaped. */
        void settle() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (process.toHandle().descendants().findAny().isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        /** Proportional set size of the server and its children, MiB: shared pages divided among their sharers. */
        double pssMib() {
            long kib = 0;
            List<ProcessHandle> family = new ArrayList<>(List.of(process.toHandle()));
            process.toHandle().descendants().forEach(family::add);
            for (ProcessHandle handle : family) {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(handle.pid()),
                            "smaps_rollup"))) {
                        if (line.startsWith("Pss:")) {
                            kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                } catch (IOException gone) {
                    // a child that ended meanwhile
                }
            }
            return kib / 1024.0;
        }

        void stop() throws InterruptedException {
            process.toHandle().descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A started server, with how long it took from the start to the first accepted login and the CPU it used. */
    record Started(Server server, double secondsToFirstLogin, double cpuSecondsToFirstLogin) {
    }

    private Servers() {
    }

    /** utime + stime + cutime + cstime of one process, in ticks; 0 when it is gone. */
    private static long ticks(long pid) {
        try (InputStream in = Files.newInputStream(Path.of("/proc", Long.toString(pid), "stat"))) {
            String stat = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            // fields after the command name (which may hold spaces) start at field 3 (state); utime is field 14
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                    + Long.parseLong(fields[14]);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** Nanoseconds on a CPU of all live threads of a process (first field of each thread's schedstat). */
    private static long runNanos(long pid) {
        long nanos = 0;
        try (java.util.stream.Stream<Path> threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path thread : threads.toList()) {
                try (InputStream in = Files.newInputStream(thread.resolve("schedstat"))) {
                    String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                    nanos += Long.parseLong(text.substring(0, text.indexOf(' ')));
                } catch (IOException | RuntimeException gone) {
                    // a thread that ended meanwhile
                }
            }
        } catch (IOException | java.io.UncheckedIOException gone) {
            // the process ended meanwhile
        }
        return nanos;
    }

    /**
     * A copy of the built distribution set up for load (limits lifted, the benchmark's users), started once, given
     * 200 GETs, 200 PUTs, a LIST and an MLSD, and stopped: the first run of an installation makes its certificate
     * and, at its clean stop, its JVM cache, which every later start finds (as on any installed server).
     */
    static Path installWharf(Path distribution, Path work, Path passwd, Setup setup) throws Exception {
        return installWharf(distribution, work.resolve("wharf"), work, passwd, setup, Map.of(), "/list");
    }

    /**
     * {@link #installWharf(Path, Path, Path, Setup)} into {@code home}, with {@code etc} (file name to content)
     * written into its etc/ before its first start, and {@code listed} the directory its first LIST and MLSD read.
     */
    static Path installWharf(Path distribution, Path home, Path work, Path passwd, Setup setup,
            Map<String, String> etc, String listed) throws Exception {
        Files.createDirectories(home);
        run(List.of("cp", "-a", distribution + "/.", home.toString()));
        Files.writeString(home.resolve("etc/dev.wharf.security.cfg"), String.join("\n", "max.per.ip = 0",
                "ban.after.failures = 0", "login.failure.delay = 0", ""));
        Files.writeString(home.resolve("etc/dev.wharf.auth.passwd.cfg"), String.join("\n",
                "file = " + passwd, "demo.create = false", ""));
        // auto (the default): as root, each account's own uid with the kernel's permission checks; server: one
        // identity, so that a run with each measures what acting for accounts costs
        Files.writeString(home.resolve("etc/dev.wharf.storage.local.cfg"),
                "account.identity = " + System.getProperty("benchmark.wharf.identity", "auto") + "\n");
        for (Map.Entry<String, String> file : etc.entrySet()) {
            Files.writeString(home.resolve("etc").resolve(file.getKey()), file.getValue());
        }
        // the first run of an installation records its JVM cache (see bin/wharf), from what it runs until its clean
        // stop: as an installed server would, it serves some traffic first
        Server first = startWharf(home, work, setup).server();
        byte[] content = new byte[4096];
        Workloads.smallFiles(first, "/small", 200, false, content);
        Workloads.smallFiles(first, "/up-install", 200, true, content);
        Workloads.listings(first, "LIST", listed, 1, 1);
        Workloads.listings(first, "MLSD", listed, 1, 1);
        first.stop();
        return home;
    }

    /** {@code bin/wharf run} of an installation made by {@link #installWharf}. */
    static Started startWharf(Path home, Path work, Setup setup) throws Exception {
        // Commons Net and ftplib open each TLS data connection with a new TLS session
        Files.writeString(home.resolve("etc/dev.wharf.listener-main.cfg"), String.join("\n", "bind = 127.0.0.1",
                "port = " + setup.port(), "max.clients = 20000",
                "passive.ports = " + setup.passiveFrom() + "-" + setup.passiveTo(), "idle.timeout = 3600",
                "tls.session.reuse = false", ""));
        // wharf.log, wharf-s3.log: one log per installation
        Path log = work.resolve(home.getFileName() + ".log");
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", System.getProperty("benchmark.wharf.jvm", "").trim());
        return awaitFirstLogin("wharf", builder, setup.port(), work);
    }

    /** Pure-FTPd in the foreground with the same users (as a puredb), chrooted, TLS optional. */
    static Started startPureFtpd(Path work, Path pdb, Path certificate, Setup setup) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/usr/sbin/pure-ftpd", "-S", "127.0.0.1," + setup.port(),
                "-l", "puredb:" + pdb, "-E", "-A", "-H", "-c", "12000", "-C", "12000", "-I", "3600", "-Y", "1",
                "-2", certificate.toString(),
                // a transfer log, as Wharf writes one by default: both servers do the same work per file
                "-O", "xferlog:" + work.resolve("pure-ftpd.xferlog"));
        if (setup.passiveFrom() > 0) {
            builder.command().addAll(List.of("-p", setup.passiveFrom() + ":" + setup.passiveTo()));
        }
        builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("pure-ftpd.log").toFile()));
        return awaitFirstLogin("pure-ftpd", builder, setup.port(), work);
    }

    private static Started awaitFirstLogin(String name, ProcessBuilder builder, int port, Path work)
            throws Exception {
        // a leftover server on the port would answer in place of the one started here
        try (java.net.ServerSocket probe = new java.net.ServerSocket(port, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            probe.setReuseAddress(true);
        } catch (IOException taken) {
            throw new IOException("port " + port + " is in use; stop whatever listens there before benchmarking "
                    + name);
        }
        long started = System.nanoTime();
        Process process = builder.start();
        Server server = new Server(name, port, process);
        long deadline = started + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited; see the logs in " + work);
            }
            if (Workloads.tryLogin(port)) {
                double seconds = (System.nanoTime() - started) / 1e9;
                server.settle();
                return new Started(server, seconds, server.cpuSeconds());
            }
            Thread.sleep(5);
        }
        server.stop();
        throw new IOException(name + " accepted no login within 90 s; see the logs in " + work);
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command + " failed: " + output);
        }
    }
}
