package dev.wharf.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Measures the built distribution against Pure-FTPd (Debian's pure-ftpd, when installed) as users meet them:
 * <ul>
 * <li>fresh: a newly started server for every round, with a short warm-up of a few hundred operations at most;
 * <li>warm: one server of each kept running for all rounds, after a stated warm-up.
 * </ul>
 * Both servers take turns within every round (the first of them alternating), and every figure is reported as the
 * median and the range (min-max) of all rounds, with the server's CPU time per operation (from {@code /proc}: it
 * hardly depends on what else runs on the machine) and, for session counts, its PSS. Two clients where the client's
 * cost matters: Commons Net and Python's ftplib. The s3 group measures Wharf alone through its storage-s3 feature
 * against S3Proxy, with the server's memory during uploads. Run on demand (see the README), never as part of the
 * tests.
 */
public final class Benchmark {

    private static final long BIG = 1L << 30;
    private static final int SMALL_FILES = 2_000;
    private static final int SMALL_SIZE = 4096;
    private static final int LISTING_ENTRIES = 10_000;
    /** Listings of each command (LIST, MLSD) per client in one measured run: one listing is too short to time. */
    private static final int LISTINGS_PER_RUN = 5;
    private static final int LOGIN_CLIENTS = 16;
    private static final long LOGIN_MILLIS = 3_000;

    /** Fresh rounds: small files after 200 GETs and 200 PUTs; listings after one LIST and one MLSD; logins 200. */
    private static final int FRESH_SMALL_WARM_UP = 200;
    private static final int FRESH_LOGIN_WARM_UP_MILLIS = 200;
    /**
     * Warm rounds: small files after 10 x 2,000 GETs and PUTs (Wharf's JIT compiler goes on for some 14,000
     * uploads after a start), listings after 40 of each, transfers after one of each, logins after 5 s.
     */
    private static final int WARM_SMALL_ROUNDS = 10;
    private static final int WARM_LISTINGS = 40;
    private static final long WARM_LOGIN_MILLIS = 5_000;

    /** The servers' control ports: from this one on, a new one for every start. */
    private static final int BASE_PORT = Integer.getInteger("benchmark.port", 2121);
    private static final String COMMONS = "commons-net";
    private static final String FTPLIB = "ftplib";
    private static final String RAW = "raw socket";
    /** In the order they run: the workloads with the largest gaps in issue 23 first. */
    private static final List<String> GROUPS = List.of("listing", "small", "logins", "sessions", "transfer", "tls",
            "s3");
    /**
     * The storage-s3 group: Wharf alone (Pure-FTPd has no S3 storage) against S3Proxy. Not part of "all": it takes
     * several GiB of memory for S3Proxy's objects and a long time, and compares with nothing.
     */
    private static final String S3 = "s3";
    /** The memory an upload to S3 may take in the server (issue 20). */
    private static final double S3_MEMORY_TARGET_MIB = 16;
    /** Uploads at once for the memory per upload; 256 MiB each, so that S3Proxy's heap holds them. */
    private static final int S3_UPLOADS_AT_ONCE = 4;
    private static final long S3_UPLOAD_AT_ONCE_SIZE = 256L << 20;
    /** The benchmark account's key prefix in the bucket ({user}/). */
    private static final String S3_ROOT = Workloads.USER + "/";

    private final Path work;
    private final Path data;
    private final Path script;
    private final Set<String> groups;
    private final Set<String> clients;
    private final int freshRounds = Integer.getInteger("benchmark.rounds", 5);
    private final int warmRounds = Integer.getInteger("benchmark.warm.rounds", 5);
    private final List<Integer> sessionCounts;
    /**
     * A lock file held (with flock(1)) during each group, so that nothing else that honours it runs meanwhile;
     * released between groups, so that a whole run does not keep others from it for long.
     */
    private final String lock = System.getProperty("benchmark.lock", "");
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final List<String> report = new ArrayList<>();
    /** The management connections to the servers of the s3 group, by process id, for their live heap. */
    private final Map<Long, ServerMemory.Heap> heaps = new java.util.HashMap<>();
    private Path distribution;
    private Path passwd;
    private Path wharfHome;
    /** The installation serving from S3, and its S3 service, while the s3 group runs. */
    private Path s3Home;
    private S3Proxy s3;
    private Path pdb;
    private Path certificate;
    private boolean havePure;
    private int portOffset;

    private Benchmark(Path work, Set<String> groups) {
        this.work = work;
        this.data = work.resolve("data");
        this.script = work.resolve("ftplib_client.py");
        this.groups = groups;
        this.clients = Set.of(System.getProperty("benchmark.clients", COMMONS + "," + FTPLIB).split(","));
        this.sessionCounts = Arrays.stream(System.getProperty("benchmark.sessions", "500,2000,10000").split(","))
                .map(String::strip).map(Integer::valueOf).toList();
    }

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args.length > 0 ? args[0] : "target/wharf").toAbsolutePath();
        Path work = Path.of(args.length > 1 ? args[1] : "target/benchmark").toAbsolutePath();
        if (!Files.isExecutable(distribution.resolve("bin/wharf"))) {
            throw new IllegalStateException("build the distribution first: ./mvnw -q package -DskipTests");
        }
        Set<String> groups = new java.util.HashSet<>();
        for (String group : (args.length > 2 ? args[2] : "all").split(",")) {
            if (group.strip().equals("all")) {
                GROUPS.stream().filter(name -> !name.equals(S3)).forEach(groups::add);
            } else {
                groups.add(group.strip());
            }
        }
        for (String group : groups) {
            if (!GROUPS.contains(group)) {
                throw new IllegalArgumentException("unknown group '" + group + "' (benchmark.only): one of " + GROUPS);
            }
        }
        new Benchmark(work, groups).run(distribution);
        System.exit(0); // the login workloads' pools and similar leave nothing to wait for
    }

    // ---------------------------------------------------------------- the run

    private void run(Path distribution) throws Exception {
        this.distribution = distribution;
        Servers.run(List.of("rm", "-rf", work.toString()));
        Files.createDirectories(data);
        try (InputStream in = Benchmark.class.getResourceAsStream("ftplib_client.py")) {
            Files.copy(in, script);
        }
        havePure = Files.isExecutable(Path.of("/usr/sbin/pure-ftpd"));
        String machine = machine();
        say(format("Wharf benchmark %s UTC; %s; Java %s; %d fresh rounds, %d warm rounds; clients %s; Wharf's "
                + "account.identity = %s; %s", java.time.LocalDateTime.now(java.time.ZoneOffset.UTC).withNano(0),
                machine, System.getProperty("java.version"), freshRounds, warmRounds, clients, identity(), work));
        if (!havePure) {
            say("(pure-ftpd is not installed: apt-get install pure-ftpd for the comparison)");
        }
        passwd = prepareData();
        pdb = work.resolve("pureftpd.pdb");
        Servers.run(List.of("pure-pw", "mkdb", pdb.toString(), "-f", passwd.toString()));
        certificate = work.resolve("pure-ftpd.pem");
        Servers.run(List.of("openssl", "req", "-x509", "-nodes", "-days", "2", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-subj", "/CN=localhost", "-keyout", certificate.toString(), "-out",
                certificate.toString()));
        if (!groups.equals(Set.of(S3))) {
            wharfHome = Servers.installWharf(distribution, work, passwd, setup(20000, 899));
        }
        for (String group : GROUPS) {
            if (groups.contains(group)) {
                runGroup(group);
            }
        }
        Files.write(work.resolve("results.txt"), report, StandardCharsets.UTF_8);
        Files.writeString(work.resolve("results.md"), markdown(machine), StandardCharsets.UTF_8);
        say("written: " + work.resolve("results.txt") + ", " + work.resolve("results.md"));
    }

    /**
     * A new port for every start: a server stopped a moment ago may leave connections that hold its port. Ports
     * something else listens on (a shared machine's tests) are passed over.
     */
    private Servers.Setup setup(int passiveFrom, int passiveSpan) {
        for (int tries = 0; tries < 50; tries++) {
            portOffset = (portOffset + 1) % 50;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(BASE_PORT + portOffset, 1,
                    java.net.InetAddress.getByName("127.0.0.1"))) {
                break;
            } catch (IOException taken) {
                // the next one
            }
        }
        return new Servers.Setup(BASE_PORT + portOffset, passiveFrom, passiveFrom + passiveSpan);
    }

    private void runGroup(String group) throws Exception {
        long started = System.nanoTime();
        say("== " + group);
        List<Workload> workloads = workloads(group);
        // the sessions group uses the 900-port passive range of issue 23's test; the others a large one
        int passiveSpan = group.equals("sessions") ? 899 : 9_999;
        // one hold of the lock for the group: fresh rounds, then warm ones (and for s3, S3Proxy's start and data)
        try (Lock held = Lock.take(lock); AutoCloseable storage = group.equals(S3) ? prepareS3() : () -> { }) {
            // fresh: a new server for every round
            for (int round = 0; round < freshRounds; round++) {
                freshRound(group, workloads, round, passiveSpan);
            }
            // warm: one server of each for all rounds, after the warm-up
            Map<String, Servers.Server> running = new LinkedHashMap<>();
            try {
                for (String side : order(group, 0)) {
                    running.put(side, start(group, side, passiveSpan).server());
                }
                for (Workload workload : workloads) {
                    for (Servers.Server server : running.values()) {
                        workload.warmUp().run(server, "warm", true);
                    }
                }
                for (int round = 0; round < warmRounds; round++) {
                    for (String side : order(group, round)) {
                        for (Workload workload : workloads) {
                            measure(workload, running.get(side), "warm", round);
                        }
                    }
                }
            } finally {
                for (Servers.Server server : running.values()) {
                    stop(server);
                }
            }
        }
        summary(group);
        summary("start");
        if (group.equals(S3)) {
            memoryVerdict();
        }
        say(format("(%s took %.0f s)", group, (System.nanoTime() - started) / 1e9));
        // kept after every group: a run stopped later still leaves what it measured
        Files.write(work.resolve("results.txt"), report, StandardCharsets.UTF_8);
        Files.writeString(work.resolve("results.md"), markdown(machine()), StandardCharsets.UTF_8);
    }

    /** One fresh round: each server started, warmed up briefly, measured and stopped, in turn. */
    private void freshRound(String group, List<Workload> workloads, int round, int passiveSpan) throws Exception {
        for (String side : order(group, round)) {
            Servers.Started started = start(group, side, passiveSpan);
            Row startRow = group.equals(S3) ? row("start", "start to first login, storage-s3", "", Unit.START,
                    false) : row("start", "start to first login", "", Unit.START);
            startRow.add("fresh", side, new Sample(started.secondsToFirstLogin(), started.cpuSecondsToFirstLogin(),
                    Double.NaN, 0));
            try {
                for (Workload workload : workloads) {
                    workload.warmUp().run(started.server(), "fresh-" + round, false);
                    measure(workload, started.server(), "fresh", round);
                }
            } finally {
                stop(started.server());
            }
        }
    }

    private List<String> order(String group, int round) {
        if (!havePure || group.equals(S3)) {
            return List.of("wharf");
        }
        return round % 2 == 0 ? List.of("wharf", "pure-ftpd") : List.of("pure-ftpd", "wharf");
    }

    private Servers.Started start(String group, String side, int passiveSpan) throws Exception {
        if (side.equals("wharf") && group.equals(S3)) {
            Servers.Started started = Servers.startWharf(s3Home, work, setup(20000, passiveSpan));
            // the management agent for the live heap, started before anything is measured
            long pid = started.server().process().pid();
            try {
                heaps.put(pid, ServerMemory.Heap.attach(pid));
            } catch (Exception | LinkageError unavailable) {
                System.out.println("  (no live heap: attaching to the server failed: " + unavailable + ")");
            }
            return started;
        }
        if (side.equals("wharf")) {
            return Servers.startWharf(wharfHome, work, setup(20000, passiveSpan));
        }
        // Pure-FTPd allows no more clients than half its passive range (-c is capped so): with 900 ports, 450
        // sessions; for the session counts it takes its passive ports from the whole ephemeral range
        return Servers.startPureFtpd(work, pdb, certificate, passiveSpan < 9_999 ? setup(0, 0)
                : setup(30000, passiveSpan));
    }

    private void stop(Servers.Server server) throws Exception {
        ServerMemory.Heap heap = heaps.remove(server.process().pid());
        if (heap != null) {
            try {
                heap.close();
            } catch (IOException ignored) {
                // the server is stopped next anyway
            }
        }
        server.stop();
    }

    private void measure(Workload workload, Servers.Server server, String mode, int round) throws Exception {
        server.settle();
        // S3Proxy's CPU too: whether the server or the S3 service it waits for is the busier
        Servers.Server storage = s3 == null ? null : new Servers.Server("s3proxy", 0, s3.process());
        double storageBefore = storage == null ? Double.NaN : storage.cpuSeconds();
        double cpuBefore = server.cpuSeconds();
        Measured measured = workload.measure().run(server, mode + "-" + round);
        server.settle();
        double cpu = Double.isNaN(measured.cpuSeconds()) ? server.cpuSeconds() - cpuBefore : measured.cpuSeconds();
        double storageCpu = storage == null ? Double.NaN : storage.cpuSeconds() - storageBefore;
        Workloads.Outcome outcome = measured.outcome();
        double figure = workload.unit() == Unit.MEMORY ? measured.memory().heapPerUpload()
                : workload.unit().figure(outcome);
        Sample sample = new Sample(figure, workload.unit().cpuPer(cpu, outcome), measured.pssMib(),
                outcome.failures(), measured.memory(), workload.unit().cpuPer(storageCpu, outcome));
        workload.row().add(mode, server.name(), sample);
        System.out.println(format("  %s %d %-9s %-40s %s", mode, round + 1, server.name(), workload.row().label(),
                workload.unit().show(sample)));
    }

    // ---------------------------------------------------------------- the workloads

    /** Unmeasured work before the measured runs; {@code warm}: the long warm-up of the warm rounds. */
    interface WarmUp {
        void run(Servers.Server server, String tag, boolean warm) throws Exception;
    }

    interface Measure {
        Measured run(Servers.Server server, String tag) throws Exception;
    }

    /**
     * {@code cpuSeconds}: the server's CPU time of the part measured, where not the whole (NaN: the whole);
     * {@code memory}: the server's memory during uploads, where read (null: not).
     */
    record Measured(Workloads.Outcome outcome, double pssMib, double cpuSeconds, ServerMemory.Reading memory) {
        Measured(Workloads.Outcome outcome) {
            this(outcome, Double.NaN, Double.NaN, null);
        }

        Measured(Workloads.Outcome outcome, double pssMib, double cpuSeconds) {
            this(outcome, pssMib, cpuSeconds, null);
        }
    }

    record Workload(Row row, WarmUp warmUp, Measure measure) {
        Unit unit() {
            return row.unit;
        }
    }

    private static final WarmUp NONE = (server, tag, warm) -> { };

    private List<Workload> workloads(String group) {
        List<Workload> list = new ArrayList<>();
        byte[] small = new byte[SMALL_SIZE];
        new java.util.Random(4).nextBytes(small);
        switch (group) {
            case "transfer", "tls" -> {
                boolean tls = group.equals("tls");
                String kind = tls ? "TLS" : "plain";
                WarmUp warmUp = (server, tag, warm) -> {
                    if (warm) {
                        Workloads.retrieve(server, tls, "big.bin");
                        Workloads.store(server, tls, upload(server, "warm-" + kind), BIG);
                        Files.deleteIfExists(data.resolve(upload(server, "warm-" + kind)));
                    }
                };
                if (clients.contains(COMMONS)) {
                    list.add(new Workload(row(group, "RETR 1 GiB " + kind, COMMONS, Unit.GIB), warmUp,
                            (server, tag) -> new Measured(Workloads.retrieve(server, tls, "big.bin"))));
                    list.add(new Workload(row(group, "STOR 1 GiB " + kind, COMMONS, Unit.GIB), NONE,
                            (server, tag) -> new Measured(stored(server, tag,
                                    name -> Workloads.store(server, tls, name, BIG)))));
                }
                if (clients.contains(FTPLIB)) {
                    String[] tlsArgument = tls ? new String[] {"tls"} : new String[0];
                    list.add(new Workload(row(group, "RETR 1 GiB " + kind, FTPLIB, Unit.GIB), NONE,
                            (server, tag) -> new Measured(Workloads.python(script, server,
                                    concat(new String[] {"retr", "big.bin"}, tlsArgument)))));
                    list.add(new Workload(row(group, "STOR 1 GiB " + kind, FTPLIB, Unit.GIB), NONE,
                            (server, tag) -> new Measured(stored(server, tag, name -> Workloads.python(script,
                                    server, concat(new String[] {"stor", name, Long.toString(BIG)},
                                            tlsArgument))))));
                }
            }
            case "small" -> {
                WarmUp warmUp = (server, tag, warm) -> {
                    int rounds = warm ? WARM_SMALL_ROUNDS : 1;
                    int files = warm ? SMALL_FILES : FRESH_SMALL_WARM_UP;
                    for (int i = 0; i < rounds; i++) {
                        Workloads.smallFiles(server, "/small", files, false, small);
                        Workloads.smallFiles(server, "/" + upload(server, "warm-up-" + tag + "-" + i), files, true,
                                small);
                    }
                };
                if (clients.contains(COMMONS)) {
                    list.add(new Workload(row(group, "GET 2,000 x 4 KiB, one session", COMMONS, Unit.FILES), warmUp,
                            (server, tag) -> new Measured(Workloads.smallFiles(server, "/small", SMALL_FILES, false,
                                    small))));
                    list.add(new Workload(row(group, "PUT 2,000 x 4 KiB, one session", COMMONS, Unit.FILES), NONE,
                            (server, tag) -> new Measured(Workloads.smallFiles(server, "/" + upload(server,
                                    "cn-" + tag), SMALL_FILES, true, small))));
                }
                if (clients.contains(FTPLIB)) {
                    list.add(new Workload(row(group, "GET 2,000 x 4 KiB, one session", FTPLIB, Unit.FILES),
                            clients.contains(COMMONS) ? NONE : warmUp,
                            (server, tag) -> new Measured(Workloads.python(script, server, "get", "/small",
                                    Integer.toString(SMALL_FILES), Integer.toString(SMALL_SIZE)))));
                    list.add(new Workload(row(group, "PUT 2,000 x 4 KiB, one session", FTPLIB, Unit.FILES), NONE,
                            (server, tag) -> new Measured(Workloads.python(script, server, "put", "/" + upload(
                                    server, "py-" + tag), Integer.toString(SMALL_FILES),
                                    Integer.toString(SMALL_SIZE)))));
                }
            }
            case "listing" -> {
                WarmUp warmUp = (server, tag, warm) -> {
                    int count = warm ? WARM_LISTINGS : 1;
                    Workloads.listings(server, "LIST", "/list", count, LISTING_ENTRIES);
                    Workloads.listings(server, "MLSD", "/list", count, LISTING_ENTRIES);
                };
                boolean first = true;
                for (String command : List.of("LIST", "MLSD")) {
                    if (clients.contains(COMMONS)) {
                        list.add(new Workload(row(group, command + " of 10,000 entries", COMMONS, Unit.LISTING),
                                first ? warmUp : NONE, (server, tag) -> new Measured(Workloads.listings(server,
                                        command, "/list", LISTINGS_PER_RUN, LISTING_ENTRIES))));
                        first = false;
                    }
                    if (clients.contains(FTPLIB)) {
                        list.add(new Workload(row(group, command + " of 10,000 entries", FTPLIB, Unit.LISTING),
                                first ? warmUp : NONE, (server, tag) -> new Measured(Workloads.python(script,
                                        server, "listing", command, "/list", Integer.toString(LISTINGS_PER_RUN),
                                        Integer.toString(LISTING_ENTRIES)))));
                        first = false;
                    }
                }
            }
            case "logins" -> list.add(new Workload(row(group, "logins, 16 clients, MD5-crypt hash", RAW,
                    Unit.LOGINS), (server, tag, warm) -> Workloads.logins(server, LOGIN_CLIENTS,
                            warm ? WARM_LOGIN_MILLIS : FRESH_LOGIN_WARM_UP_MILLIS),
                    (server, tag) -> new Measured(Workloads.logins(server, LOGIN_CLIENTS, LOGIN_MILLIS))));
            case "sessions" -> {
                for (int count : sessionCounts) {
                    list.add(new Workload(row(group, format("%,d idle sessions, then PASV + LIST on each", count),
                            RAW, Unit.SESSIONS), (server, tag, warm) -> {
                                if (warm) {
                                    sessions(server, count);
                                }
                            }, (server, tag) -> sessions(server, count)));
                }
            }
            case S3 -> {
                // as the transfer and small groups, through the storage-s3 feature; every upload is checked for
                // its size in the bucket and deleted, and the server's memory is read during the uploads
                WarmUp transferWarmUp = (server, tag, warm) -> {
                    if (warm) {
                        Workloads.retrieve(server, false, "big.bin");
                        s3Uploads(server, "warm", 1, BIG, false, names -> Workloads.store(server, false,
                                names.getFirst(), BIG));
                    }
                };
                WarmUp smallWarmUp = (server, tag, warm) -> {
                    int rounds = warm ? WARM_SMALL_ROUNDS : 1;
                    int files = warm ? SMALL_FILES : FRESH_SMALL_WARM_UP;
                    for (int i = 0; i < rounds; i++) {
                        Workloads.smallFiles(server, "/small", files, false, small);
                        Workloads.smallFiles(server, "/" + upload(server, "warm-up-" + tag + "-" + i), files, true,
                                small);
                    }
                };
                if (clients.contains(COMMONS)) {
                    list.add(new Workload(row(group, "RETR 1 GiB from S3", COMMONS, Unit.GIB), transferWarmUp,
                            (server, tag) -> new Measured(whole(Workloads.retrieve(server, false, "big.bin")))));
                    list.add(new Workload(row(group, "STOR 1 GiB to S3", COMMONS, Unit.GIB), NONE,
                            (server, tag) -> s3Uploads(server, tag, 1, BIG, false,
                                    names -> Workloads.store(server, false, names.getFirst(), BIG))));
                }
                if (clients.contains(FTPLIB)) {
                    list.add(new Workload(row(group, "RETR 1 GiB from S3", FTPLIB, Unit.GIB),
                            clients.contains(COMMONS) ? NONE : transferWarmUp,
                            (server, tag) -> new Measured(whole(Workloads.python(script, server, "retr",
                                    "big.bin")))));
                    list.add(new Workload(row(group, "STOR 1 GiB to S3", FTPLIB, Unit.GIB), NONE,
                            (server, tag) -> s3Uploads(server, tag, 1, BIG, false, names -> Workloads.python(
                                    script, server, "stor", names.getFirst(), Long.toString(BIG)))));
                }
                // the live heap needs a full collection per reading (every 0.5 s): its own uploads, through
                // Commons Net, so that it slows none of the uploads above
                list.add(new Workload(row(group, "server memory, 1 upload of 1 GiB to S3", COMMONS, Unit.MEMORY),
                        NONE, (server, tag) -> s3Uploads(server, tag, 1, BIG, true,
                                names -> Workloads.store(server, false, names.getFirst(), BIG))));
                list.add(new Workload(row(group, format("server memory, %d uploads of %d MiB at once to S3",
                        S3_UPLOADS_AT_ONCE, S3_UPLOAD_AT_ONCE_SIZE >> 20), COMMONS, Unit.MEMORY), NONE,
                        (server, tag) -> s3Uploads(server, tag, S3_UPLOADS_AT_ONCE, S3_UPLOAD_AT_ONCE_SIZE, true,
                                names -> Workloads.storeAtOnce(server, names, S3_UPLOAD_AT_ONCE_SIZE))));
                if (clients.contains(COMMONS)) {
                    list.add(new Workload(row(group, "GET 2,000 x 4 KiB from S3, one session", COMMONS,
                            Unit.FILES), smallWarmUp, (server, tag) -> new Measured(Workloads.smallFiles(server,
                                    "/small", SMALL_FILES, false, small))));
                    list.add(new Workload(row(group, "PUT 2,000 x 4 KiB to S3, one session", COMMONS, Unit.FILES),
                            NONE, (server, tag) -> new Measured(Workloads.smallFiles(server, "/" + upload(server,
                                    "cn-" + tag), SMALL_FILES, true, small))));
                }
                if (clients.contains(FTPLIB)) {
                    list.add(new Workload(row(group, "GET 2,000 x 4 KiB from S3, one session", FTPLIB, Unit.FILES),
                            clients.contains(COMMONS) ? NONE : smallWarmUp,
                            (server, tag) -> new Measured(Workloads.python(script, server, "get", "/small",
                                    Integer.toString(SMALL_FILES), Integer.toString(SMALL_SIZE)))));
                    list.add(new Workload(row(group, "PUT 2,000 x 4 KiB to S3, one session", FTPLIB, Unit.FILES),
                            NONE, (server, tag) -> new Measured(Workloads.python(script, server, "put", "/" + upload(
                                    server, "py-" + tag), Integer.toString(SMALL_FILES),
                                    Integer.toString(SMALL_SIZE)))));
                }
            }
            default -> throw new IllegalArgumentException(group);
        }
        return list;
    }

    /** The outcome of a 1 GiB download, checked for its size. */
    private static Workloads.Outcome whole(Workloads.Outcome download) throws IOException {
        if (download.units() != BIG) {
            throw new IOException("downloaded " + (long) download.units() + " bytes of " + BIG);
        }
        return download;
    }

    interface Uploads {
        Workloads.Outcome run(List<String> names) throws Exception;
    }

    /**
     * {@code count} uploads of {@code size} bytes into S3 under names of their own while the server's PSS and RSS
     * (and with {@code liveHeap} its live heap) are sampled; each object is checked for its size in the bucket and
     * deleted after. The CPU time is the uploads' alone (not the first heap reading's collection).
     */
    private Measured s3Uploads(Servers.Server server, String tag, int count, long size, boolean liveHeap,
            Uploads uploads) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(upload(server, tag) + "-" + i + ".bin");
        }
        ServerMemory.Heap heap = liveHeap ? heaps.get(server.process().pid()) : null;
        if (liveHeap && heap == null) {
            throw new IOException("the live heap cannot be read: attaching to the server failed (see above)");
        }
        ServerMemory.Sampler sampler = ServerMemory.Sampler.start(server, heap, count);
        double cpuBefore = server.cpuSeconds();
        Workloads.Outcome outcome;
        double cpu;
        ServerMemory.Reading memory;
        try {
            outcome = uploads.run(names);
            cpu = server.cpuSeconds() - cpuBefore;
        } finally {
            memory = sampler.stop();
        }
        for (String name : names) {
            long stored = s3.size(S3_ROOT + name);
            if (stored != size) {
                throw new IOException(server.name() + " stored " + stored + " bytes of " + size + " in S3");
            }
            s3.delete(S3_ROOT + name);
        }
        return new Measured(outcome, Double.NaN, cpu, memory);
    }

    /**
     * Starts S3Proxy and puts the served files into its bucket under the account's prefix, as the local groups have
     * them (the 1 GiB file, the 2,000 small files with their directory's marker), then installs the distribution
     * serving every account from S3 ({@code storage-s3} in place of {@code storage-local}). Closing stops S3Proxy.
     */
    private AutoCloseable prepareS3() throws Exception {
        long started = System.nanoTime();
        s3 = S3Proxy.start(Path.of(System.getProperty("benchmark.s3proxy.jar", "target/s3proxy/s3proxy.jar")),
                work, System.getProperty("benchmark.s3proxy.heap", "6g"));
        try {
            s3.putDirectory(S3_ROOT);
            s3.put(S3_ROOT + "big.bin", data.resolve("big.bin"));
            s3.putDirectory(S3_ROOT + "small/");
            byte[] content = Files.readAllBytes(data.resolve("small/f00000.bin"));
            for (int i = 0; i < SMALL_FILES; i++) {
                s3.put(S3_ROOT + String.format("small/f%05d.bin", i), content);
            }
            String features = Files.readString(distribution.resolve("etc/features.properties"));
            if (!features.contains("storage-local")) {
                throw new IllegalStateException("etc/features.properties names no storage-local to replace");
            }
            Map<String, String> etc = Map.of(
                    "features.properties", features.replace("storage-local", "storage-s3"),
                    "dev.wharf.storage.s3.cfg", String.join("\n", "endpoint = " + s3.endpoint(),
                            "bucket = " + S3Proxy.BUCKET, "access.key = " + S3Proxy.ACCESS_KEY,
                            "secret.key = " + S3Proxy.SECRET_KEY, "path.style = true", ""));
            // a fresh installation for every run of the group: S3Proxy's port is in its settings
            Servers.run(List.of("rm", "-rf", work.resolve("wharf-s3").toString()));
            s3Home = Servers.installWharf(distribution, work.resolve("wharf-s3"), work, passwd,
                    setup(20000, 9_999), etc, "/small");
        } catch (Exception failed) {
            s3.close();
            throw failed;
        }
        say(format("(S3Proxy %s on %s, objects in its heap; files put and Wharf installed on storage-s3 in %.0f s)",
                System.getProperty("benchmark.s3proxy.version", "?"), s3.endpoint(),
                (System.nanoTime() - started) / 1e9));
        return () -> {
            s3.close();
            s3 = null;
        };
    }

    /** Opens the idle sessions, reads the PSS once they are all logged in, then PASV + LIST on each, and closes. */
    private Measured sessions(Servers.Server server, int count) throws Exception {
        List<Workloads.Session> open = Workloads.idleSessions(server, count);
        try {
            Thread.sleep(1_000); // the server's work on the logins has ended
            double pss = server.pssMib();
            double cpuBefore = server.cpuSeconds();
            Workloads.Outcome outcome = Workloads.passiveListOnEach(open, "/few");
            // Pure-FTPd's session processes are alive until closed: their CPU time counts while they are
            return new Measured(outcome, pss, server.cpuSeconds() - cpuBefore);
        } finally {
            Workloads.close(open);
        }
    }

    interface Upload {
        Workloads.Outcome run(String name) throws Exception;
    }

    /** A 1 GiB upload under a name of its own, checked for its size on disk and deleted after. */
    private Workloads.Outcome stored(Servers.Server server, String tag, Upload upload) throws Exception {
        String name = upload(server, tag) + ".bin";
        Workloads.Outcome outcome = upload.run(name);
        long size = Files.size(data.resolve(name));
        Files.delete(data.resolve(name));
        if (size != BIG) {
            throw new IOException(server.name() + " stored " + size + " bytes of " + BIG);
        }
        return outcome;
    }

    private static String upload(Servers.Server server, String tag) {
        return "up-" + server.name() + "-" + tag + "-" + System.nanoTime();
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    // ---------------------------------------------------------------- figures

    /** How a workload's outcome and CPU time become figures. */
    enum Unit {
        GIB("MB/s", true, "s CPU/GiB"),
        FILES("files/s", true, "µs CPU/file"),
        LISTING("ms/listing", false, "ms CPU/listing"),
        LOGINS("logins/s", true, "ms CPU/login"),
        SESSIONS("ms for all", false, "µs CPU/session"),
        START("s to first login", false, "s CPU to first login"),
        /** The live heap an upload takes (its figure comes from the memory reading, not the outcome). */
        MEMORY("MiB live heap/upload", false, "s CPU/GiB");

        final String unit;
        final boolean higherIsBetter;
        final String cpuUnit;

        Unit(String unit, boolean higherIsBetter, String cpuUnit) {
            this.unit = unit;
            this.higherIsBetter = higherIsBetter;
            this.cpuUnit = cpuUnit;
        }

        double figure(Workloads.Outcome outcome) {
            return switch (this) {
                case GIB -> outcome.units() / 1e6 / outcome.seconds();
                case FILES, LOGINS -> outcome.units() / outcome.seconds();
                case LISTING -> outcome.seconds() * 1e3 / outcome.units();
                case SESSIONS -> outcome.seconds() * 1e3;
                case START -> outcome.seconds();
                case MEMORY -> throw new IllegalStateException("read from the memory, not the outcome");
            };
        }

        double cpuPer(double cpuSeconds, Workloads.Outcome outcome) {
            double units = Math.max(1, outcome.units() + outcome.failures());
            return switch (this) {
                case GIB, MEMORY -> cpuSeconds / (outcome.units() / (double) (1L << 30));
                case FILES, SESSIONS -> cpuSeconds * 1e6 / units;
                case LISTING, LOGINS -> cpuSeconds * 1e3 / units;
                case START -> cpuSeconds;
            };
        }

        String show(Sample sample) {
            ServerMemory.Reading memory = sample.memory();
            return format("%s %s, %s %s", number(sample.figure()), unit, number(sample.cpu()), cpuUnit)
                    + (Double.isNaN(sample.storageCpu()) ? "" : ", S3Proxy " + number(sample.storageCpu()))
                    + (Double.isNaN(sample.pssMib()) ? "" : format(", %.0f MiB PSS", sample.pssMib()))
                    + (memory == null ? "" : format(", PSS %.0f -> %.0f MiB, RSS %.0f -> %.0f MiB%s",
                            memory.pssBefore(), memory.pssPeak(), memory.rssBefore(), memory.rssPeak(),
                            Double.isNaN(memory.heapPeak()) ? "" : format(", live heap %.1f -> %.1f MiB",
                                    memory.heapBefore(), memory.heapPeak())))
                    + (sample.failures() > 0 ? format(", %d FAILED", sample.failures()) : "");
        }
    }

    /**
     * {@code memory}: the server's memory during the uploads of the sample, where read (else null);
     * {@code storageCpu}: S3Proxy's CPU time in the unit of {@code cpu}, in the s3 group (else NaN).
     */
    record Sample(double figure, double cpu, double pssMib, int failures, ServerMemory.Reading memory,
            double storageCpu) {
        Sample(double figure, double cpu, double pssMib, int failures) {
            this(figure, cpu, pssMib, failures, null, Double.NaN);
        }
    }

    /** All samples of one workload and client: by mode (fresh, warm) and server. */
    static final class Row {
        private final String label;
        private final Unit unit;
        /** Whether Pure-FTPd runs the workload too (not through S3: it has no such storage). */
        private final boolean compared;
        private final Map<String, List<Sample>> samples = new LinkedHashMap<>();

        Row(String label, Unit unit, boolean compared) {
            this.label = label;
            this.unit = unit;
            this.compared = compared;
        }

        String label() {
            return label;
        }

        void add(String mode, String server, Sample sample) {
            samples.computeIfAbsent(mode + "/" + server, key -> new ArrayList<>()).add(sample);
        }

        List<Sample> of(String mode, String server) {
            return samples.getOrDefault(mode + "/" + server, List.of());
        }
    }

    private Row row(String group, String workload, String client, Unit unit) {
        return row(group, workload, client, unit, !group.equals(S3));
    }

    private Row row(String group, String workload, String client, Unit unit, boolean compared) {
        String label = client.isEmpty() ? workload : workload + " [" + client + "]";
        return rows.computeIfAbsent(group + ":" + label, key -> new Row(label, unit, compared));
    }

    /** The median and range of a memory figure over the samples that have a reading. */
    private static String memorySpread(List<Sample> samples,
            java.util.function.ToDoubleFunction<ServerMemory.Reading> figure) {
        return spread(samples.stream().filter(sample -> sample.memory() != null).toList(),
                sample -> figure.applyAsDouble(sample.memory()));
    }

    /** "PSS +a (range), RSS +b (range)[, live heap +c (range)] MiB (PSS before: ...)", or "" without readings. */
    private static String memoryText(List<Sample> samples) {
        List<Sample> read = samples.stream().filter(sample -> sample.memory() != null).toList();
        if (read.isEmpty()) {
            return "";
        }
        boolean heap = read.stream().anyMatch(sample -> !Double.isNaN(sample.memory().heapPeak()));
        return format("PSS +%s, RSS +%s%s MiB (PSS before: %s MiB)",
                memorySpread(read, ServerMemory.Reading::pssPerUpload),
                memorySpread(read, ServerMemory.Reading::rssPerUpload),
                heap ? ", live heap +" + memorySpread(read, ServerMemory.Reading::heapPerUpload) : "",
                memorySpread(read, ServerMemory.Reading::pssBefore));
    }

    /** Median and range of one figure over samples, e.g. "4,012 (3,950-4,100)". */
    private static String spread(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> figure) {
        double[] values = samples.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return "-";
        }
        return format("%s (%s-%s)", number(median(values)), number(values[0]), number(values[values.length - 1]));
    }

    private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> figure) {
        return median(samples.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray());
    }

    private static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** Three significant digits at most, thousands separated. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        double magnitude = Math.abs(value);
        if (magnitude >= 100) {
            return format("%,.0f", value);
        }
        if (magnitude >= 10) {
            return format("%.1f", value);
        }
        if (magnitude >= 1) {
            return format("%.2f", value);
        }
        return format("%.3f", value);
    }

    private static String ratio(double wharf, double pure, boolean higherIsBetter) {
        if (Double.isNaN(wharf) || Double.isNaN(pure) || wharf == 0 || pure == 0) {
            return "-";
        }
        return format("%.2fx", higherIsBetter ? wharf / pure : pure / wharf);
    }

    /** Prints and keeps the lines of one group's rows: each mode, Wharf and Pure-FTPd, the ratio of medians. */
    private void summary(String group) {
        for (Map.Entry<String, Row> entry : rows.entrySet()) {
            if (!entry.getKey().startsWith(group + ":")) {
                continue;
            }
            Row row = entry.getValue();
            for (String mode : List.of("fresh", "warm")) {
                List<Sample> wharf = row.of(mode, "wharf");
                List<Sample> pure = row.of(mode, "pure-ftpd");
                if (wharf.isEmpty()) {
                    continue;
                }
                StringBuilder line = new StringBuilder(format("%-58s %-5s n=%d | wharf %s %s, CPU %s %s",
                        row.label(), mode, wharf.size(), spread(wharf, Sample::figure), row.unit.unit,
                        spread(wharf, Sample::cpu), row.unit.cpuUnit));
                if (!Double.isNaN(median(wharf, Sample::storageCpu))) {
                    line.append(format(" (S3Proxy: %s)", spread(wharf, Sample::storageCpu)));
                }
                if (!Double.isNaN(median(wharf, Sample::pssMib))) {
                    line.append(format(", PSS %s MiB", spread(wharf, Sample::pssMib)));
                }
                String memory = memoryText(wharf);
                if (!memory.isEmpty()) {
                    line.append(", server memory per upload (peak - before): ").append(memory);
                }
                appendFailures(line, wharf);
                if (!row.compared) {
                    line.append(" | pure-ftpd n/a (no S3 storage)");
                } else if (!pure.isEmpty()) {
                    line.append(format(" | pure-ftpd %s, CPU %s", spread(pure, Sample::figure),
                            spread(pure, Sample::cpu)));
                    if (!Double.isNaN(median(pure, Sample::pssMib))) {
                        line.append(format(", PSS %s MiB", spread(pure, Sample::pssMib)));
                    }
                    appendFailures(line, pure);
                    line.append(format(" | wharf/pure %s, CPU %s", ratio(median(wharf, Sample::figure),
                            median(pure, Sample::figure), row.unit.higherIsBetter), cpuRatio(wharf, pure)));
                }
                say(line.toString());
            }
        }
    }

    /** Wharf's median CPU over Pure-FTPd's: above 1, Wharf spends more. */
    private static String cpuRatio(List<Sample> wharf, List<Sample> pure) {
        double theirs = median(pure, Sample::cpu);
        return pure.isEmpty() || !(theirs > 0) ? "-" : format("%.2fx", median(wharf, Sample::cpu) / theirs);
    }

    private static void appendFailures(StringBuilder line, List<Sample> samples) {
        int failures = samples.stream().mapToInt(Sample::failures).sum();
        if (failures > 0) {
            line.append(format(", %d operations FAILED over all rounds", failures));
        }
    }

    /** The whole run as a Markdown table, for the README. */
    private String markdown(String machine) {
        StringBuilder text = new StringBuilder(format("Run %s UTC on %s; Java %s; %d fresh rounds (a new server "
                + "each), %d warm rounds (one server each); Wharf's local storage with account.identity = %s; median "
                + "(min-max) of all rounds.%n%n", java.time.LocalDateTime.now(java.time.ZoneOffset.UTC).withNano(0),
                machine, System.getProperty("java.version"), freshRounds, warmRounds, identity()));
        if (rows.values().stream().anyMatch(row -> row.compared)) {
            text.append("| workload [client] | mode | Wharf | Pure-FTPd | Wharf / Pure-FTPd | server CPU: Wharf | "
                    + "Pure-FTPd | CPU ratio |\n|---|---|---|---|---|---|---|---|\n");
        }
        for (Row row : rows.values()) {
            for (String mode : List.of("fresh", "warm")) {
                List<Sample> wharf = row.of(mode, "wharf");
                List<Sample> pure = row.of(mode, "pure-ftpd");
                if (wharf.isEmpty() || !row.compared) {
                    continue;
                }
                String pss = Double.isNaN(median(wharf, Sample::pssMib)) ? "" : format("; PSS %s MiB",
                        spread(wharf, Sample::pssMib));
                String purePss = Double.isNaN(median(pure, Sample::pssMib)) ? "" : format("; PSS %s MiB",
                        spread(pure, Sample::pssMib));
                text.append(format("| %s | %s | %s %s%s%s | %s%s%s | %s | %s %s | %s | %s |%n", row.label(), mode,
                        spread(wharf, Sample::figure), row.unit.unit, pss, failures(wharf),
                        spread(pure, Sample::figure), purePss, failures(pure),
                        ratio(median(wharf, Sample::figure), median(pure, Sample::figure), row.unit.higherIsBetter),
                        spread(wharf, Sample::cpu), row.unit.cpuUnit, spread(pure, Sample::cpu),
                        cpuRatio(wharf, pure)));
            }
        }
        // Wharf alone (storage-s3: Pure-FTPd has no S3 storage), with S3Proxy's CPU and the memory per upload
        if (rows.values().stream().anyMatch(row -> !row.compared)) {
            text.append("\nThrough storage-s3 against S3Proxy (Wharf alone: Pure-FTPd has no S3 storage):\n\n"
                    + "| workload [client] | mode | Wharf | server memory per upload: peak - before | server CPU: "
                    + "Wharf | S3Proxy |\n|---|---|---|---|---|---|\n");
        }
        for (Row row : rows.values()) {
            for (String mode : List.of("fresh", "warm")) {
                List<Sample> wharf = row.of(mode, "wharf");
                if (wharf.isEmpty() || row.compared) {
                    continue;
                }
                text.append(format("| %s | %s | %s %s%s | %s | %s %s | %s |%n", row.label(), mode,
                        spread(wharf, Sample::figure), row.unit.unit, failures(wharf), memoryText(wharf),
                        spread(wharf, Sample::cpu), row.unit.cpuUnit, spread(wharf, Sample::storageCpu)));
            }
        }
        List<String> verdict = memoryVerdictLines();
        if (!verdict.isEmpty()) {
            text.append('\n');
            verdict.forEach(line -> text.append(line.startsWith("  ") ? "- " + line.strip() : line).append('\n'));
        }
        return text.toString();
    }

    /** Prints whether the server's memory per upload to S3 stayed within the target in every round. */
    private void memoryVerdict() {
        memoryVerdictLines().forEach(this::say);
    }

    /**
     * Per row of the s3 group with memory readings, per mode: the highest memory per upload of its rounds against
     * {@link #S3_MEMORY_TARGET_MIB}, for the live heap (where read) and the PSS.
     */
    private List<String> memoryVerdictLines() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Row> entry : rows.entrySet()) {
            if (!entry.getKey().startsWith(S3 + ":")) {
                continue;
            }
            List<String> figures = new ArrayList<>();
            for (String mode : List.of("fresh", "warm")) {
                List<ServerMemory.Reading> read = entry.getValue().of(mode, "wharf").stream()
                        .map(Sample::memory).filter(java.util.Objects::nonNull).toList();
                if (read.isEmpty()) {
                    continue;
                }
                double heap = read.stream().mapToDouble(ServerMemory.Reading::heapPerUpload)
                        .filter(value -> !Double.isNaN(value)).max().orElse(Double.NaN);
                double pss = read.stream().mapToDouble(ServerMemory.Reading::pssPerUpload).max().orElseThrow();
                figures.add(format("%s (%d rounds): %sPSS %.1f MiB %s", mode, read.size(), Double.isNaN(heap) ? ""
                        : format("live heap %.1f MiB %s, ", heap, verdict(heap)), pss, verdict(pss)));
            }
            if (figures.isEmpty()) {
                continue;
            }
            if (lines.isEmpty()) {
                lines.add(format("Server memory per upload to S3, target <= %.0f MiB (issue 20): per round the peak "
                        + "minus the figure before, divided by the uploads at once; the highest of each mode's rounds "
                        + "(PSS without forced collections counts garbage the collector has not reclaimed yet):",
                        S3_MEMORY_TARGET_MIB));
            }
            lines.add("  " + entry.getValue().label() + ": " + String.join("; ", figures));
        }
        return lines;
    }

    private static String verdict(double mib) {
        return mib <= S3_MEMORY_TARGET_MIB ? "(met)" : "(NOT met)";
    }

    private static String failures(List<Sample> samples) {
        int failures = samples.stream().mapToInt(Sample::failures).sum();
        return failures == 0 ? "" : format("; %,d failed", failures);
    }

    private void say(String text) {
        System.out.println(text);
        report.add(text);
    }

    private static String format(String format, Object... arguments) {
        return String.format(Locale.ROOT, format, arguments);
    }

    /** "N cores (model), M GiB" from /proc. */
    /** The Wharf under test's account.identity (benchmark.wharf.identity; see Servers#installWharf). */
    private static String identity() {
        return System.getProperty("benchmark.wharf.identity", "auto");
    }

    private static String machine() throws IOException {
        String model = "";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                model = line.substring(line.indexOf(':') + 1).strip();
                break;
            }
        }
        long memoryKib = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memoryKib = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return format("%d cores (%s), %d GiB", Runtime.getRuntime().availableProcessors(), model,
                Math.round(memoryKib / 1024.0 / 1024.0));
    }

    // ---------------------------------------------------------------- data and lock

    /** The served tree (1 GiB file, small files, a 10,000-entry directory) and the passwd file both servers read. */
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
        Path few = Files.createDirectories(data.resolve("few"));
        for (int i = 0; i < 10; i++) {
            Files.createFile(few.resolve("entry-" + i + ".txt"));
        }
        Servers.run(List.of("chown", "-R", "1000:1000", data.toString()));
        Process crypt = new ProcessBuilder("openssl", "passwd", "-1", Workloads.PASSWORD).start();
        String hash = new String(crypt.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        crypt.waitFor();
        Path passwd = work.resolve("pureftpd.passwd");
        Files.writeString(passwd, Workloads.USER + ":" + hash + ":1000:1000::" + data + "/./::::::::::::\n");
        return passwd;
    }

    /** flock(1) on a lock file, held by a child process until closed; nothing when no lock file is named. */
    private static final class Lock implements AutoCloseable {
        private final Process holder;

        private Lock(Process holder) {
            this.holder = holder;
        }

        static Lock take(String file) throws IOException {
            if (file.isEmpty()) {
                return new Lock(null);
            }
            System.out.println("(waiting for the lock " + file + ")");
            Process holder = new ProcessBuilder("flock", file, "sh", "-c", "echo locked; exec cat >/dev/null")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (!"locked".equals(line)) {
                holder.destroy();
                throw new IOException("could not take the lock " + file);
            }
            return new Lock(holder);
        }

        @Override
        public void close() throws Exception {
            if (holder != null) {
                holder.getOutputStream().close();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
