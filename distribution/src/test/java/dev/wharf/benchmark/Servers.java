package dev.wharf.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;

/** Starting, timing and stopping the servers under test: the built Wharf distribution and Debian's pure-ftpd. */
final class Servers {

    /** One running server as the workloads see it. */
    record Server(String name, int port, Process process, Path root) {

        /**
         * Memory of the server and its children from {@code smaps_rollup}: {@code Rss:} for one process,
         * {@code Pss:} (shared pages divided among sharers) to sum a forking server's processes fairly.
         */
        long memoryKib(String field) throws IOException {
            long total = 0;
            for (ProcessHandle handle : family()) {
                Path rollup = Path.of("/proc", Long.toString(handle.pid()), "smaps_rollup");
                try {
                    for (String line : Files.readAllLines(rollup)) {
                        if (line.startsWith(field)) {
                            total += Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                } catch (IOException gone) {
                    // a child that ended meanwhile
                }
            }
            return total;
        }

        /**
         * How many compilations the server's JIT has made so far ({@code sun.ci.totalCompiles} from {@code jcmd
         * PerfCounter.print}); empty when jcmd is missing, fails or gives no answer within 30 s. Meant for a JVM
         * server: jcmd attaches to the process.
         */
        java.util.OptionalLong jitCompilations() throws IOException, InterruptedException {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            if (!Files.isExecutable(jcmd)) {
                return java.util.OptionalLong.empty();
            }
            Path output = Files.createTempFile("wharf-benchmark-jcmd", ".txt");
            Process query = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "PerfCounter.print")
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            try {
                if (!query.waitFor(30, TimeUnit.SECONDS) || query.exitValue() != 0) {
                    return java.util.OptionalLong.empty();
                }
                for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
                    if (line.startsWith("sun.ci.totalCompiles=")) {
                        return java.util.OptionalLong.of(Long.parseLong(line.substring(line.indexOf('=') + 1)
                                .strip()));
                    }
                }
                return java.util.OptionalLong.empty();
            } finally {
                query.destroyForcibly();
                Files.deleteIfExists(output);
            }
        }

        private List<ProcessHandle> family() {
            List<ProcessHandle> all = new ArrayList<>(List.of(process.toHandle()));
            process.toHandle().descendants().forEach(all::add);
            return all;
        }

        void stop() throws InterruptedException {
            process.toHandle().descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** A started server; {@code laterStartMillis} holds the later starts' times, none where only one was timed. */
    record Started(Server server, long millisToFirstLogin, List<Long> laterStartMillis) {
    }

    /** Later starts timed: a start is one sample, and the host may take the CPU away during any one of them. */
    private static final int LATER_STARTS = 3;

    private Servers() {
    }

    /** {@code bin/wharf run} in a copy of the built distribution, set up for load (limits lifted, users from bench). */
    static Started startWharf(Path distribution, Path work, Path passwd, int port, boolean sessionReuse)
            throws Exception {
        Path home = work.resolve("wharf");
        copyTree(distribution, home);
        Files.writeString(home.resolve("etc/dev.wharf.listener-main.cfg"), String.join("\n", "bind = 127.0.0.1",
                "port = " + port, "max.clients = 20000", "passive.ports = 20000-29999", "idle.timeout = 3600",
                "tls.session.reuse = " + sessionReuse, ""));
        Files.writeString(home.resolve("etc/dev.wharf.security.cfg"), String.join("\n", "max.per.ip = 0",
                "ban.after.failures = 0", "login.failure.delay = 0", ""));
        Files.writeString(home.resolve("etc/dev.wharf.auth.passwd.cfg"), String.join("\n",
                "file = " + passwd, "demo.create = false", ""));
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("wharf.log").toFile())); // both starts
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", ("-Xmx1g " + System.getProperty("benchmark.wharf.jvm", "")).trim());
        // the first start of a new installation also makes its certificate, and the clean stop after it the JVM's
        // class archive: all starts are timed, and the server of the last one is the one measured from then on
        Started first = awaitFirstLogin("wharf", builder, port, work);
        first.server().stop();
        List<Long> later = new ArrayList<>();
        while (true) {
            Started again = awaitFirstLogin("wharf", builder, port, work);
            later.add(again.millisToFirstLogin());
            if (later.size() == LATER_STARTS) {
                return new Started(again.server(), first.millisToFirstLogin(), List.copyOf(later));
            }
            again.server().stop();
        }
    }

    /** S3Proxy in a child JVM, keeping its objects in memory, without authentication; stopped by {@link #stop}. */
    record S3Proxy(Process process, int port) {

        String endpoint() {
            return "http://127.0.0.1:" + port;
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Starts S3Proxy on a free loopback port with the bucket {@code wharf-bench}. */
    static S3Proxy startS3Proxy(Path work, Path jar) throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Path properties = Files.writeString(work.resolve("s3proxy.conf"), String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port, "s3proxy.authorization=none",
                "jclouds.provider=transient-nio2", "jclouds.identity=bench", "jclouds.credential=bench-secret", ""));
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx3g", "-jar", jar.toString(), "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("s3proxy.log").toFile()).start();
        S3Proxy s3 = new S3Proxy(process, port);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                int status = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s3.endpoint()
                        + "/wharf-bench")).PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return s3;
                }
                throw new IOException("S3Proxy answered " + status + " to the bucket's creation");
            } catch (java.net.ConnectException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    s3.stop();
                    throw new IOException("S3Proxy did not start; see " + work.resolve("s3proxy.log"));
                }
                Thread.sleep(100);
            }
        }
    }

    /** A second copy of the distribution serving the same users from S3 ({@code storage-s3}, not the local disk). */
    static Server startWharfOnS3(Path distribution, Path work, Path passwd, int port, String endpoint)
            throws Exception {
        Path home = work.resolve("wharf-s3");
        copyTree(distribution, home);
        Files.writeString(home.resolve("etc/features.properties"),
                "features = base, core, storage-s3, auth-passwd, tls\n");
        Files.writeString(home.resolve("etc/dev.wharf.storage.s3.cfg"), String.join("\n", "endpoint = " + endpoint,
                "bucket = wharf-bench", "access.key = bench", "secret.key = bench-secret", "path.style = true", ""));
        Files.writeString(home.resolve("etc/dev.wharf.listener-main.cfg"), String.join("\n", "bind = 127.0.0.1",
                "port = " + port, "max.clients = 20000", "passive.ports = 50000-54999", "idle.timeout = 3600", ""));
        Files.writeString(home.resolve("etc/dev.wharf.security.cfg"), String.join("\n", "max.per.ip = 0",
                "ban.after.failures = 0", "login.failure.delay = 0", ""));
        Files.writeString(home.resolve("etc/dev.wharf.auth.passwd.cfg"), String.join("\n",
                "file = " + passwd, "demo.create = false", ""));
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("wharf-s3.log").toFile()));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", ("-Xmx1g " + System.getProperty("benchmark.wharf.jvm", "")).trim());
        return awaitFirstLogin("wharf-s3", builder, port, work).server();
    }

    /** Pure-FTPd in the foreground with the same users (as a puredb), chrooted, TLS optional. */
    static Started startPureFtpd(Path work, Path passwd, Path certificate, int port) throws Exception {
        Path pdb = work.resolve("pureftpd.pdb");
        run(List.of("pure-pw", "mkdb", pdb.toString(), "-f", passwd.toString()));
        ProcessBuilder builder = new ProcessBuilder("/usr/sbin/pure-ftpd", "-S", "127.0.0.1," + port,
                "-l", "puredb:" + pdb, "-E", "-A", "-H", "-c", "5000", "-C", "20000", "-p", "30000:39999",
                "-I", "3600", "-Y", "1", "-2", certificate.toString(),
                // a transfer log, as Wharf writes one by default: both servers do the same work per file
                "-O", "xferlog:" + work.resolve("pure-ftpd.xferlog"))
                .redirectErrorStream(true).redirectOutput(work.resolve("pure-ftpd.log").toFile());
        return awaitFirstLogin("pure-ftpd", builder, port, work);
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
        long deadline = started + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited; see " + work);
            }
            FTPClient client = new FTPClient();
            client.setConnectTimeout(1000);
            try {
                client.connect("127.0.0.1", port);
                if (client.login(Workloads.USER, Workloads.PASSWORD_FAST)) {
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    client.logout();
                    client.disconnect();
                    return new Started(new Server(name, port, process, work), millis, List.of());
                }
                client.disconnect();
            } catch (IOException notYet) {
                // not listening yet, or the users are not loaded yet
            }
            Thread.sleep(10);
        }
        process.destroyForcibly();
        throw new IOException(name + " accepted no login within 60 s; see " + work);
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command + " failed: " + output);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException, InterruptedException {
        Files.createDirectories(to);
        run(List.of("cp", "-a", from + "/.", to.toString()));
    }
}
