package dev.wharf.benchmark;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Measures the built distribution against the raw loopback limit and, when Debian's pure-ftpd is installed,
 * against Pure-FTPd on the same machine in the same run (workloads alternate between the servers; the best of
 * the rounds counts). One line per figure. Run on demand (see the README), never as part of the tests.
 */
public final class Benchmark {

    private static final long BIG = 1L << 30;
    private static final int SMALL_FILES = 2_000;
    private static final int SMALL_SIZE = 4096;
    private static final int LISTING_ENTRIES = 10_000;
    /** Unmeasured listings on each server before the measured ones, so that the JIT has compiled the code. */
    private static final int LISTING_WARM_UP = 30;
    /** A listing takes some 40 ms, shorter than a burst of CPU stolen by the host: the best of many, in turn. */
    private static final int LISTING_ROUNDS = 25;
    /**
     * Unmeasured rounds of small GETs and PUTs on each server before the measured ones: at least the first number,
     * then until a round leaves Wharf's JIT compiler nearly idle (fewer compilations than the third number), at
     * most the second. Measured: the compiler goes on for some 14,000 uploads after a start, and uploads get faster
     * until then.
     */
    private static final int SMALL_WARM_UP_MIN = 3;
    private static final int SMALL_WARM_UP_MAX = 15;
    private static final long SMALL_WARM_UP_QUIET_COMPILATIONS = 10;
    private static final int ROUNDS = 2;
    /**
     * 1 GiB transfers and the raw ceiling: on a small virtual machine one copy of a gigabyte varies by ±15 % from
     * one run to the next, so the best of seven of each stands for what the path can do.
     */
    private static final int BIG_FILE_ROUNDS = 7;
    /**
     * Small files: a round of 2,000 takes about a second, and on a shared virtual machine the CPU time stolen by
     * the host comes in bursts of a second or two, so the best of seven rounds, alternating between the servers.
     */
    private static final int SMALL_FILE_ROUNDS = 7;
    /**
     * How long ext4 without a journal treats a freed inode as recently freed: a minute, six while its inode table
     * block is not yet written back (as it is not while files are created next to it); and some margin.
     */
    private static final long FREED_INODES_RECENT_NANOS = 370_000_000_000L;

    private final Path work;
    private final Path data;
    private final List<String> report = new ArrayList<>();
    /** Workload groups to run (raw, transfer, tls, small, logins, listing, memory, s3); empty: all. */
    private final java.util.Set<String> only;
    private Servers.Server wharf;
    /** The built distribution and the users' file, for the S3 section's second server. */
    private Path distribution;
    private Path passwd;
    private Servers.Server pure;
    /** When this run deleted the previous run's tree ({@link System#nanoTime}); empty when there was none. */
    private java.util.OptionalLong previousTreeDeleted = java.util.OptionalLong.empty();

    private Benchmark(Path work, java.util.Set<String> only) {
        this.work = work;
        this.only = only;
        this.data = work.resolve("data");
    }

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args.length > 0 ? args[0] : "target/wharf").toAbsolutePath();
        Path work = Path.of(args.length > 1 ? args[1] : "target/benchmark").toAbsolutePath();
        if (!Files.isExecutable(distribution.resolve("bin/wharf"))) {
            throw new IllegalStateException("build the distribution first: ./mvnw -q install -DskipTests");
        }
        java.util.Set<String> only = args.length > 2 && !args[2].equals("all")
                ? java.util.Set.of(args[2].split(",")) : java.util.Set.of();
        new Benchmark(work, only).run(distribution);
    }

    private void run(Path distribution) throws Exception {
        // the previous run's tree goes first: deleting its files now is what the uploads must wait for (see
        // awaitFreedInodesAged); an aborted run may have left one aside
        Path previous = work.resolveSibling(work.getFileName() + ".previous");
        Servers.run(List.of("rm", "-rf", previous.toString()));
        if (Files.exists(work)) {
            Files.move(work, previous);
            Servers.run(List.of("rm", "-rf", previous.toString()));
            previousTreeDeleted = java.util.OptionalLong.of(System.nanoTime());
        }
        Files.createDirectories(data);
        System.out.println(format("Wharf benchmark: %d cores, Java %s, %s", Runtime.getRuntime()
                .availableProcessors(), System.getProperty("java.version"), work));
        Path passwd = prepareData();
        this.distribution = distribution;
        this.passwd = passwd;
        boolean havePure = Files.isExecutable(Path.of("/usr/sbin/pure-ftpd"));
        Servers.Started startedWharf = Servers.startWharf(distribution, work, passwd, 2121, false);
        wharf = startedWharf.server();
        Servers.Started startedPure = null;
        if (havePure) {
            Path certificate = work.resolve("pure-ftpd.pem");
            Servers.run(List.of("openssl", "req", "-x509", "-nodes", "-days", "2", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-subj", "/CN=localhost", "-keyout", certificate.toString(), "-out",
                    certificate.toString()));
            startedPure = Servers.startPureFtpd(work, passwd, certificate, 2122);
            pure = startedPure.server();
        } else {
            System.out.println("(pure-ftpd is not installed: apt-get install pure-ftpd for the comparison)");
        }
        try {
            measureAll(startedWharf, startedPure);
        } finally {
            wharf.stop();
            if (pure != null) {
                pure.stop();
            }
        }
        Files.write(work.resolve("results.txt"), report, StandardCharsets.UTF_8);
    }

    /**
     * On ext4 without a journal (the development machines' file system), the search for a free inode skips every
     * inode freed in the last minutes, reading its inode table block each time: creating a file within minutes of
     * deleting 40,000 took 400-1,000 µs, against 40-70 µs later (measured with a plain create-write-close loop).
     * So the uploads wait until the deletion of the previous run's tree is old enough.
     */
    private void awaitFreedInodesAged() throws InterruptedException {
        if (previousTreeDeleted.isEmpty() || !onJournalLessExt4(work)) {
            return;
        }
        long waitNanos = FREED_INODES_RECENT_NANOS - (System.nanoTime() - previousTreeDeleted.getAsLong());
        if (waitNanos > 0) {
            System.out.println(format("(waiting %d s before the uploads: ext4 without a journal is slow to create "
                    + "files for minutes after many were deleted)", waitNanos / 1_000_000_000L));
            Thread.sleep(waitNanos / 1_000_000);
        }
    }

    /** Whether {@code path} lies on an ext4 file system without a journal (its sysfs entry names no journal task). */
    private static boolean onJournalLessExt4(Path path) {
        try {
            String real = path.toRealPath().toString();
            String bestMount = "";
            String bestDevice = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // fields: id parent major:minor root mount-point options [optional fields] - type source options
                String[] fields = line.split(" ");
                int separator = List.of(fields).indexOf("-");
                String mount = fields[4];
                boolean contains = real.equals(mount) || real.startsWith(mount.endsWith("/") ? mount : mount + "/");
                if (contains && mount.length() >= bestMount.length() && separator > 0) {
                    bestMount = mount;
                    bestDevice = fields[separator + 1].equals("ext4") ? fields[separator + 2] : null;
                }
            }
            if (bestDevice == null) {
                return false;
            }
            Path journalTask = Path.of("/sys/fs/ext4", Path.of(bestDevice).getFileName().toString(), "journal_task");
            return Files.isReadable(journalTask) && Files.readString(journalTask).strip().equals("<none>");
        } catch (IOException | RuntimeException unknown) {
            return false;
        }
    }

    /**
     * The S3 storage: a second Wharf with {@code storage-s3} instead of the local storage, on S3Proxy (in memory) on
     * loopback: 1 GiB STOR and RETR, 2,000 small files each way, and the server's RSS while the 1 GiB goes up.
     */
    private void s3() throws Exception {
        String jar = System.getProperty("benchmark.s3proxy.jar", "");
        if (!Files.isRegularFile(Path.of(jar))) {
            System.out.println("(no S3Proxy jar at benchmark.s3proxy.jar: the S3 section is skipped)");
            return;
        }
        Servers.S3Proxy s3 = Servers.startS3Proxy(work, Path.of(jar));
        Servers.Server onS3 = null;
        try {
            onS3 = Servers.startWharfOnS3(distribution, work, passwd, 2123, s3.endpoint());
            long before = onS3.memoryKib("Rss:");
            long[] peak = {before};
            java.util.concurrent.atomic.AtomicBoolean uploading = new java.util.concurrent.atomic.AtomicBoolean(true);
            Servers.Server measured = onS3;
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (uploading.get()) {
                    try {
                        peak[0] = Math.max(peak[0], measured.memoryKib("Rss:"));
                        Thread.sleep(100);
                    } catch (IOException | InterruptedException stop) {
                        return;
                    }
                }
            });
            double store = Workloads.storeMegabytesPerSecond(onS3, false, "big-s3.bin", BIG);
            uploading.set(false);
            sampler.join();
            line("S3 (S3Proxy) STOR 1 GiB", format("wharf %.0f MB/s; server RSS %d MiB before, at most +%d MiB "
                    + "during the upload (8 MiB parts)", store, before / 1024, (peak[0] - before) / 1024));
            line("S3 (S3Proxy) RETR 1 GiB", format("wharf %.0f MB/s",
                    Workloads.retrieveMegabytesPerSecond(onS3, false, "big-s3.bin")));
            byte[] small = new byte[SMALL_SIZE];
            new java.util.Random(3).nextBytes(small);
            line("S3 (S3Proxy) small files STOR", format("wharf %.0f files/s (%,d files of %d bytes)",
                    Workloads.smallFilesPerSecond(onS3, "/s3-small", SMALL_FILES, true, small), SMALL_FILES,
                    SMALL_SIZE));
            line("S3 (S3Proxy) small files RETR", format("wharf %.0f files/s",
                    Workloads.smallFilesPerSecond(onS3, "/s3-small", SMALL_FILES, false, small)));
        } finally {
            if (onS3 != null) {
                onS3.stop();
            }
            s3.stop();
        }
    }

    private boolean selected(String group) {
        return only.isEmpty() || only.contains(group);
    }

    private void measureAll(Servers.Started startedWharf, Servers.Started startedPure) throws Exception {
        if (selected("memory")) {
            // first, as an admin would see a fresh server
            memory(500);
            memory(10_000);
        }
        double raw = 0;
        double rawCopy = 0;
        if (selected("raw") || selected("transfer")) {
            Path big = data.resolve("big.bin");
            Workloads.drain(Files.newInputStream(big)); // into the page cache
            // the ceilings run in the same rounds as the servers' downloads, in turn: the host steals CPU in
            // bursts, and a slow stretch then weighs on all of them alike
            boolean downloads = selected("transfer");
            double retrWharf = Double.NaN;
            double retrPure = Double.NaN;
            for (int round = 0; round < BIG_FILE_ROUNDS; round++) {
                raw = better(raw, Workloads.rawLoopbackMegabytesPerSecond(big, 0), true);
                // what Wharf does for loopback clients by default (listener setting sendfile = auto): a loop through
                // one of its large buffers
                rawCopy = better(rawCopy, Workloads.rawLoopbackMegabytesPerSecond(big, 512 * 1024), true);
                if (downloads) {
                    retrWharf = better(retrWharf, Workloads.retrieveMegabytesPerSecond(wharf, false, "big.bin"),
                            true);
                    if (pure != null) {
                        retrPure = better(retrPure, Workloads.retrieveMegabytesPerSecond(pure, false, "big.bin"),
                                true);
                    }
                }
            }
            line("raw loopback sendfile 1 GiB", format("%.0f MB/s (the ceiling)", raw));
            line("raw loopback read+write 1 GiB, 512 KiB", format("%.0f MB/s (%.2fx sendfile)", rawCopy,
                    rawCopy / raw));
            if (downloads) {
                throughput("RETR 1 GiB plain", new double[] {retrWharf, retrPure}, raw, rawCopy);
            }
        }
        if (selected("transfer")) {
            double[] stor = compare(() -> store(wharf, false), () -> store(pure, false), true, BIG_FILE_ROUNDS);
            throughput("STOR 1 GiB plain", stor, 0, 0);
        }
        if (selected("tls")) {
            double[] retrTls = compare(() -> Workloads.retrieveMegabytesPerSecond(wharf, true, "big.bin"),
                    () -> Workloads.retrieveMegabytesPerSecond(pure, true, "big.bin"), true, BIG_FILE_ROUNDS);
            throughput("RETR 1 GiB TLS", retrTls, 0, 0);
            double[] storTls = compare(() -> store(wharf, true), () -> store(pure, true), true, BIG_FILE_ROUNDS);
            throughput("STOR 1 GiB TLS", storTls, 0, 0);
        }
        if (selected("small")) {
            byte[] small = new byte[SMALL_SIZE];
            new java.util.Random(4).nextBytes(small);
            awaitFreedInodesAged();
            // as for listings: a server that has run for a while has compiled its transfer code; warm both up with
            // unmeasured rounds (uploads into directories of their own)
            line("small files, unmeasured warm-up", warmUpSmallFiles(small));
            double[] get = compare(() -> Workloads.smallFilesPerSecond(wharf, "/small", SMALL_FILES, false, small),
                    () -> Workloads.smallFilesPerSecond(pure, "/small", SMALL_FILES, false, small), true,
                    SMALL_FILE_ROUNDS);
            rate("GET 2,000 x 4 KiB, one session", get, "files/s");
            // new files each round, each server in a directory of its own made (unmeasured) before the round
            java.util.concurrent.atomic.AtomicInteger round = new java.util.concurrent.atomic.AtomicInteger();
            double[] put = compare(
                    () -> Workloads.smallFilesPerSecond(wharf, "/up-wharf/new-" + round.incrementAndGet(),
                            SMALL_FILES, true, small),
                    () -> Workloads.smallFilesPerSecond(pure, "/up-pure/new-" + round.get(), SMALL_FILES, true, small),
                    true, SMALL_FILE_ROUNDS);
            rate("PUT 2,000 x 4 KiB, new files, one session", put, "files/s");
            // the same over a raw socket, a client that costs far less than Commons Net, step by step
            rawClientSteps("GET", "/small", "/small", false, small);
            rawClientSteps("PUT", "/up-wharf/raw", "/up-pure/raw", true, small);
            // the same names again, last: Pure-FTPd truncates each file in place, Wharf writes a new file and renames
            // it over the old one (a new inode each time, and a freed one) so that no reader ever sees a partial file
            double[] again = compare(
                    () -> Workloads.smallFilesPerSecond(wharf, "/up-wharf/new-1", SMALL_FILES, true, small),
                    () -> Workloads.smallFilesPerSecond(pure, "/up-pure/new-1", SMALL_FILES, true, small), true,
                    SMALL_FILE_ROUNDS);
            rate("PUT 2,000 x 4 KiB over existing files", again, "files/s");
        }
        if (selected("logins")) {
            double[] logins = compare(() -> Workloads.loginsPerSecond(wharf, 16, 8_000),
                    () -> Workloads.loginsPerSecond(pure, 16, 8_000), true, ROUNDS);
            rate("logins/s, 16 clients, pure-pw's argon2id hash", logins, "logins/s");
            // the same with Wharf's memory of verified logins off: every login runs the hash, as in Pure-FTPd
            Path cryptSettings = work.resolve("wharf/etc/dev.wharf.crypt.cfg");
            Files.writeString(cryptSettings, "verified.cache.seconds = 0\n");
            Thread.sleep(3_000); // FileInstall applies it within a second or two
            double[] hashed = compare(() -> Workloads.loginsPerSecond(wharf, 16, 8_000),
                    () -> Workloads.loginsPerSecond(pure, 16, 8_000), true, ROUNDS);
            rate("logins/s as above, every login hashed", hashed, "logins/s");
            Files.delete(cryptSettings);
            Thread.sleep(3_000);
        }
        if (selected("listing")) {
            // a server that has run for a while has compiled its listing code: warm both up first, unmeasured
            for (int round = 0; round < LISTING_WARM_UP; round++) {
                for (String command : List.of("LIST", "MLSD")) {
                    Workloads.listingMillis(wharf, command, "/list", LISTING_ENTRIES);
                    if (pure != null) {
                        Workloads.listingMillis(pure, command, "/list", LISTING_ENTRIES);
                    }
                }
            }
            double[] list = compare(() -> Workloads.listingMillis(wharf, "LIST", "/list", LISTING_ENTRIES),
                    () -> Workloads.listingMillis(pure, "LIST", "/list", LISTING_ENTRIES), false, LISTING_ROUNDS);
            time("LIST of 10,000 entries (after " + LISTING_WARM_UP + " warm-up rounds)", list);
            double[] mlsd = compare(() -> Workloads.listingMillis(wharf, "MLSD", "/list", LISTING_ENTRIES),
                    () -> Workloads.listingMillis(pure, "MLSD", "/list", LISTING_ENTRIES), false, LISTING_ROUNDS);
            time("MLSD of 10,000 entries (after " + LISTING_WARM_UP + " warm-up rounds)", mlsd);
        }
        if (selected("s3")) {
            s3();
        }
        List<Long> later = startedWharf.laterStartMillis();
        line("start to first accepted login", format("wharf %d ms (best of later starts: %s ms), first start %d ms "
                + "(makes its certificate)", java.util.Collections.min(later), later.stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(" / ")), startedWharf.millisToFirstLogin())
                + (startedPure == null ? "" : format(" | pure-ftpd %d ms", startedPure.millisToFirstLogin())));
    }

    /**
     * Small GETs and PUTs, unmeasured, on both servers until Wharf's JIT has compiled the code they run (see
     * {@link #SMALL_WARM_UP_MIN}); returns what to print: the rounds and the compilations in each.
     */
    private String warmUpSmallFiles(byte[] small) throws Exception {
        List<Long> compiledPerRound = new ArrayList<>();
        java.util.OptionalLong compiled = wharf.jitCompilations();
        int round = 0;
        while (round < SMALL_WARM_UP_MAX) {
            Workloads.smallFilesPerSecond(wharf, "/small", SMALL_FILES, false, small);
            Workloads.smallFilesPerSecond(wharf, "/up-wharf/warm-" + round, SMALL_FILES, true, small);
            if (pure != null) {
                Workloads.smallFilesPerSecond(pure, "/small", SMALL_FILES, false, small);
                Workloads.smallFilesPerSecond(pure, "/up-pure/warm-" + round, SMALL_FILES, true, small);
            }
            round++;
            java.util.OptionalLong now = wharf.jitCompilations();
            if (now.isEmpty()) {
                // no jcmd: a fixed warm-up
                if (round >= SMALL_WARM_UP_MIN) {
                    return round + " warm-up rounds (no JIT counts from jcmd)";
                }
                continue;
            }
            if (compiled.isEmpty()) {
                compiled = now; // the count before the first round was missing: count from here
                continue;
            }
            compiledPerRound.add(now.getAsLong() - compiled.getAsLong());
            compiled = now;
            if (round >= SMALL_WARM_UP_MIN
                    && compiledPerRound.get(compiledPerRound.size() - 1) < SMALL_WARM_UP_QUIET_COMPILATIONS) {
                break;
            }
        }
        return round + " warm-up rounds; Wharf's JIT compilations in each: " + compiledPerRound.stream()
                .map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
    }

    private double store(Servers.Server server, boolean tls) throws Exception {
        String name = "up-" + server.name() + (tls ? "-tls" : "") + ".bin";
        double rate = Workloads.storeMegabytesPerSecond(server, tls, name, BIG);
        long size = Files.size(data.resolve(name));
        if (size != BIG) {
            throw new IOException(server.name() + " stored " + size + " bytes of " + BIG);
        }
        Files.delete(data.resolve(name));
        return rate;
    }

    /** Idle logged-in sessions: Wharf at both counts, Pure-FTPd (a process per session) at 500 only. */
    private void memory(int sessions) throws Exception {
        long before = wharf.memoryKib("Rss:");
        List<Socket> open = Workloads.idleSessions(wharf, sessions);
        Thread.sleep(2_000);
        long wharfKib = wharf.memoryKib("Rss:");
        close(open);
        String pureText = "";
        if (pure != null && sessions <= 500) {
            List<Socket> pureOpen = Workloads.idleSessions(pure, sessions);
            Thread.sleep(2_000);
            pureText = format(" | pure-ftpd %d MiB PSS over all processes", pure.memoryKib("Pss:") / 1024);
            close(pureOpen);
        }
        line(format("memory with %,d idle sessions", sessions),
                format("wharf %.0f MiB RSS (%.0f MiB before)%s", wharfKib / 1024.0, before / 1024.0, pureText));
        Thread.sleep(2_000);
    }

    private static void close(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Runs each side {@code rounds} times, alternating; returns the best of each (highest or lowest). */
    private double[] compare(Callable<Double> onWharf, Callable<Double> onPure, boolean higherIsBetter, int rounds)
            throws Exception {
        double bestWharf = Double.NaN;
        double bestPure = Double.NaN;
        for (int round = 0; round < rounds; round++) {
            bestWharf = better(bestWharf, onWharf.call(), higherIsBetter);
            if (pure != null) {
                bestPure = better(bestPure, onPure.call(), higherIsBetter);
            }
        }
        return new double[] {bestWharf, bestPure};
    }

    private static double better(double best, double value, boolean higherIsBetter) {
        if (Double.isNaN(best)) {
            return value;
        }
        return higherIsBetter ? Math.max(best, value) : Math.min(best, value);
    }

    /** Against the raw figures (0: not shown): sendfile, the ceiling of the targets, and Wharf's loopback loop. */
    private void throughput(String what, double[] figures, double raw, double rawCopy) {
        String ceiling = raw > 0 ? format(" | %.2fx raw loopback sendfile, %.2fx read+write", figures[0] / raw,
                figures[0] / rawCopy) : "";
        line(what, format("wharf %.0f MB/s", figures[0]) + versus(figures, "MB/s", true) + ceiling);
    }

    private void rate(String what, double[] figures, String unit) {
        line(what, format("wharf %.1f %s", figures[0], unit) + versus(figures, unit, true));
    }

    /**
     * Small files through {@link Workloads#transferSteps}, best of three rounds per server (by time per file):
     * files per second, then the mean µs of each step (PASV, connect, command to 150, data, end of data to 226).
     */
    private void rawClientSteps(String verb, String wharfDirectory, String pureDirectory, boolean upload,
                                byte[] content) throws Exception {
        double[] wharfSteps = null;
        double[] pureSteps = null;
        for (int round = 0; round < 3; round++) {
            // uploads make new files every round, as above (over existing ones Wharf frees an inode per file)
            String suffix = upload ? "-" + round : "";
            wharfSteps = quicker(wharfSteps, Workloads.transferSteps(wharf, wharfDirectory + suffix, SMALL_FILES,
                    upload, content));
            if (pure != null) {
                pureSteps = quicker(pureSteps, Workloads.transferSteps(pure, pureDirectory + suffix, SMALL_FILES,
                        upload, content));
            }
        }
        rate(verb + " 2,000 x 4 KiB, raw-socket client", new double[] {1e6 / total(wharfSteps),
            pureSteps == null ? Double.NaN : 1e6 / total(pureSteps)}, "files/s");
        line(verb + " steps (µs: PASV, connect, to 150, data, to 226)", format("wharf %s", stepList(wharfSteps))
                + (pureSteps == null ? "" : format(" | pure-ftpd %s", stepList(pureSteps))));
    }

    private static double[] quicker(double[] best, double[] steps) {
        return best == null || total(steps) < total(best) ? steps : best;
    }

    private static double total(double[] steps) {
        return java.util.Arrays.stream(steps).sum();
    }

    private static String stepList(double[] steps) {
        StringBuilder text = new StringBuilder();
        for (double step : steps) {
            text.append(text.isEmpty() ? "" : " / ").append(format("%.0f", step));
        }
        return text.toString();
    }

    private void time(String what, double[] figures) {
        line(what, format("wharf %.0f ms", figures[0]) + versus(figures, "ms", false));
    }

    /** The Pure-FTPd part of a line, with the ratio written so that above 1 means Wharf is better. */
    private static String versus(double[] figures, String unit, boolean higherIsBetter) {
        if (Double.isNaN(figures[1])) {
            return "";
        }
        double ratio = higherIsBetter ? figures[0] / figures[1] : figures[1] / figures[0];
        return format(" | pure-ftpd %.1f %s | %.2fx pure-ftpd", figures[1], unit, ratio);
    }

    private void line(String what, String figures) {
        String text = format("%-46s %s", what + ":", figures);
        System.out.println(text);
        report.add(text);
    }

    private static String format(String format, Object... arguments) {
        return String.format(Locale.ROOT, format, arguments);
    }

    /** The served tree (1 GiB file, small files, a 10,000-entry directory) and a passwd file both servers read. */
    private Path prepareData() throws Exception {
        Workloads.writeFile(data.resolve("big.bin"), BIG);
        Files.createDirectories(data.resolve("small"));
        byte[] content = new byte[SMALL_SIZE];
        new java.util.Random(4).nextBytes(content);
        for (int i = 0; i < SMALL_FILES; i++) {
            Files.write(data.resolve("small").resolve(String.format("f%05d.bin", i)), content);
        }
        Path list = Files.createDirectories(data.resolve("list"));
        for (int i = 0; i < LISTING_ENTRIES; i++) {
            Files.createFile(list.resolve(String.format("entry-%05d.txt", i)));
        }
        Files.createDirectories(data.resolve("up-wharf"));
        Files.createDirectories(data.resolve("up-pure"));
        Servers.run(List.of("chown", "-R", "1000:1000", data.toString()));

        Path passwd = work.resolve("pureftpd.passwd");
        Process pw = new ProcessBuilder("pure-pw", "useradd", Workloads.LOGIN_USER, "-u", "1000", "-g", "1000", "-d",
                data.toString(), "-f", passwd.toString()).redirectErrorStream(true).start();
        pw.getOutputStream().write((Workloads.PASSWORD_ARGON + "\n" + Workloads.PASSWORD_ARGON + "\n")
                .getBytes(StandardCharsets.UTF_8));
        pw.getOutputStream().close();
        pw.getInputStream().readAllBytes();
        if (pw.waitFor() != 0) {
            throw new IOException("pure-pw useradd failed");
        }
        Process crypt = new ProcessBuilder("openssl", "passwd", "-6", Workloads.PASSWORD_FAST).start();
        String hash = new String(crypt.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        crypt.waitFor();
        Files.writeString(passwd, Workloads.USER + ":" + hash + ":1000:1000::" + data + "/./::::::::::::\n",
                java.nio.file.StandardOpenOption.APPEND);
        return passwd;
    }
}
