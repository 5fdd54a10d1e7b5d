package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Starts the built server directory as a real process with {@code bin/wharf run} and drives it with curl, as an
 * admin trying it out would.
 */
class DistributionEndToEndIT {

    private static final Pattern DEMO_PASSWORD = Pattern.compile("Demo account created: user 'demo' password '([^']+)'");
    private static final long WAIT_MILLIS = 30_000;

    private Path server;
    private Path log;
    private Process process;
    private int port;

    @BeforeEach
    void startServer() throws Exception {
        // a fresh unpack of the archive: what an admin downloads, with no state from earlier runs
        server = ServerLogs.unpack("e2e");
        assertTrue(Files.isExecutable(server.resolve("bin/wharf")), "bin/wharf is executable in the archive");
        port = freePort();
        int passiveStart = 40_000 + new Random().nextInt(20_000);
        Files.writeString(server.resolve("etc/dev.wharf.listener-main.cfg"), String.join("\n",
                "bind = 127.0.0.1", "port = " + port, "passive.ports = " + passiveStart + "-" + (passiveStart + 49),
                "idle.timeout = 60", ""));
        log = server.resolve("var/e2e.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(server.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = builder.start();
        awaitLog("accepting FTP connections on 127.0.0.1:" + port);
    }

    @AfterEach
    void stopServer() throws Exception {
        ServerLogs.stop(process);
    }

    @Test
    void listUploadDownloadWithCurlAndReportABrokenSetting() throws Exception {
        String password = demoPassword();
        String base = "ftp://127.0.0.1:" + port + "/";
        String user = "demo:" + password;

        Result listing = curl("--user", user, base);
        assertEquals(0, listing.exitCode(), listing.output());

        byte[] content = new byte[5 * 1024 * 1024];
        new Random(7).nextBytes(content);
        Path upload = server.resolve("upload.bin");
        Files.write(upload, content);
        Result stored = curl("--user", user, "-T", upload.toString(), base + "big%20file.bin");
        assertEquals(0, stored.exitCode(), stored.output());
        Path onDisk = server.resolve("var/ftp/demo/big file.bin");
        assertTrue(Files.exists(onDisk), "the upload lands in the demo home");
        assertArrayEquals(sha256(content), sha256(Files.readAllBytes(onDisk)));

        Result names = curl("--user", user, "--list-only", base);
        assertTrue(names.output().lines().anyMatch("big file.bin"::equals), names.output());

        Path download = server.resolve("download.bin");
        Result fetched = curl("--user", user, "-o", download.toString(), base + "big%20file.bin");
        assertEquals(0, fetched.exitCode(), fetched.output());
        assertArrayEquals(sha256(content), sha256(Files.readAllBytes(download)));

        Result encrypted = curl("--user", user, "--ssl-reqd", "--insecure", "--list-only", base);
        assertEquals(0, encrypted.exitCode(), "FTPS works out of the box (self-signed): " + encrypted.output());
        assertTrue(encrypted.output().lines().anyMatch("big file.bin"::equals), encrypted.output());
        assertTrue(Files.exists(server.resolve("var/tls/selfsigned.pem")), "the certificate is kept under var/");

        // a second listener, implicit TLS, from one more file while the server runs
        int implicitPort = freePort();
        Files.writeString(server.resolve("etc/dev.wharf.listener-implicit.cfg"), String.join("\n",
                "bind = 127.0.0.1", "port = " + implicitPort, "tls.implicit = true", ""));
        awaitLog("accepting FTPS (implicit TLS) connections on 127.0.0.1:" + implicitPort);
        Result implicit = curl("--user", user, "--ssl-reqd", "--insecure", "--list-only",
                "ftps://127.0.0.1:" + implicitPort + "/");
        assertEquals(0, implicit.exitCode(), "implicit FTPS beside explicit: " + implicit.output());
        assertTrue(implicit.output().lines().anyMatch("big file.bin"::equals), implicit.output());
        Result explicitStill = curl("--user", user, "--ssl-reqd", "--insecure", "--list-only", base);
        assertEquals(0, explicitStill.exitCode(), explicitStill.output());

        Result refused = curl("--user", "demo:wrong-" + password, base);
        assertEquals(67, refused.exitCode(), "curl reports a refused login: " + refused.output());

        Files.writeString(server.resolve("etc/dev.wharf.listener-main.cfg"), "bind = 127.0.0.1\nport = notanumber\n");
        String error = awaitLog("invalid value for 'port'");
        assertTrue(error.contains("ERROR"), error);
        assertTrue(process.isAlive(), "a bad value does not take the server down");
    }

    @Test
    void killingTheServerMidUploadLeavesNoPartialFileUnderTheFinalName() throws Exception {
        String password = demoPassword();
        Path source = server.resolve("big-upload.bin");
        byte[] block = new byte[1 << 20];
        new Random(3).nextBytes(block);
        try (var out = Files.newOutputStream(source)) {
            for (int i = 0; i < 100; i++) {
                out.write(block);
            }
        }
        Process upload = new ProcessBuilder("curl", "--silent", "--limit-rate", "10M", "--user", "demo:" + password,
                "-T", source.toString(), "ftp://127.0.0.1:" + port + "/big.bin").redirectErrorStream(true).start();
        Path demoHome = server.resolve("var/ftp/demo");
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (!uploadInProgress(demoHome) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(uploadInProgress(demoHome), "the upload started");
        Thread.sleep(1000);
        process.destroyForcibly(); // kill -9: bin/wharf execs java, so this is the server's JVM
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        upload.waitFor(30, TimeUnit.SECONDS);

        Files.delete(log);
        ProcessBuilder builder = new ProcessBuilder(server.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = builder.start();
        awaitLog("accepting FTP connections on 127.0.0.1:" + port);
        awaitLog("Serving 1 user"); // the passwd backend may come up a moment after the listener
        assertTrue(Files.notExists(demoHome.resolve("big.bin")), "no partial file under the final name");
        try (Stream<Path> left = Files.list(demoHome)) {
            assertTrue(left.noneMatch(path -> path.getFileName().toString().startsWith(".wharf-upload.")),
                    "no temporary file either");
        }
        Result listing = curl("--user", "demo:" + password, "--list-only", "ftp://127.0.0.1:" + port + "/");
        assertEquals(0, listing.exitCode(), "the restarted server serves the same account: " + listing.output());
        assertTrue(listing.output().lines().noneMatch("big.bin"::equals), listing.output());
    }

    @Test
    void hotDeploysAndRemovesABundleInDeploy() throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", "e2e.hotdeploy");
        manifest.getMainAttributes().putValue("Bundle-Version", "1.0.0");
        Path staged = server.resolve("deploy/e2e.tmp"); // FileInstall only looks at *.jar
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(staged), manifest)) {
            jar.flush();
        }
        Path deployed = Files.move(staged, server.resolve("deploy/e2e-hotdeploy.jar"), StandardCopyOption.ATOMIC_MOVE);
        awaitLog("Installing bundle e2e.hotdeploy");
        Files.delete(deployed);
        awaitLog("(e2e.hotdeploy)"); // FileInstall: "Uninstalling bundle <id> (e2e.hotdeploy)"
    }

    /**
     * An admin adds the PostgreSQL backend to the running server with {@code bin/wharf feature add auth-pgsql}:
     * users from the real PostgreSQL on 127.0.0.1 log in without a restart, and are gone again after
     * {@code feature remove}.
     */
    @Test
    void addingAuthPgsqlToTheRunningServerMakesSqlLoginsWork() throws Exception {
        String table = "wharf_it_e2e_" + Long.toUnsignedString(new Random().nextLong(), 36);
        Path home = Files.createDirectories(server.resolve("var/ftp/sqluser"));
        // the account's own home, as for Pure-FTPd: run as root, the server acts as uid 2000
        Files.setAttribute(home, "unix:uid", 2000);
        Files.setAttribute(home, "unix:gid", 2000);
        Properties credentials = new Properties();
        credentials.setProperty("user", "postgres");
        String url = "jdbc:postgresql://127.0.0.1:5432/test?connectTimeout=5";
        try (Connection connection = new org.postgresql.Driver().connect(url, credentials);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table + " (login TEXT, password TEXT, uid INT, gid INT, dir TEXT)");
            statement.execute("INSERT INTO " + table + " VALUES ('sqluser', 'sql-secret', 2000, 2000, '" + home
                    + "')");
        }
        try {
            Files.writeString(server.resolve("etc/pureftpd-pgsql.conf"), String.join("\n",
                    "PGSQLServer 127.0.0.1", "PGSQLPort 5432", "PGSQLUser postgres", "PGSQLDatabase test",
                    "PGSQLCrypt cleartext",
                    "PGSQLGetPW SELECT password FROM " + table + " WHERE login='\\L'",
                    "PGSQLGetUID SELECT uid FROM " + table + " WHERE login='\\L'",
                    "PGSQLGetGID SELECT gid FROM " + table + " WHERE login='\\L'",
                    "PGSQLGetDir SELECT dir FROM " + table + " WHERE login='\\L'", ""));
            Files.writeString(server.resolve("etc/dev.wharf.auth.pgsql.cfg"),
                    "config.file = " + server.resolve("etc/pureftpd-pgsql.conf") + "\n");
            String base = "ftp://127.0.0.1:" + port + "/";
            demoPassword(); // the passwd backend answers: until then a login gets 421 (no backend yet), not 530
            Result before = curl("--user", "sqluser:sql-secret", "--list-only", base);
            assertEquals(67, before.exitCode(), "no SQL users yet: " + before.output());

            Result added = wharf("feature", "add", "auth-pgsql");
            assertEquals(0, added.exitCode(), added.output());
            awaitLog("Feature 'auth-pgsql' added");
            awaitLog("pgsql backend: users from 127.0.0.1:5432/test");
            Path upload = Files.writeString(server.resolve("sql-upload.txt"), "stored by a SQL user");
            Result stored = curl("--user", "sqluser:sql-secret", "-T", upload.toString(), base + "hello.txt");
            assertEquals(0, stored.exitCode(), "SQL login works without a restart: " + stored.output());
            assertEquals("stored by a SQL user", Files.readString(home.resolve("hello.txt")));
            Result wrong = curl("--user", "sqluser:wrong", "--list-only", base);
            assertEquals(67, wrong.exitCode(), wrong.output());
            assertTrue(Files.readString(log).lines().noneMatch(line -> line.contains("sql-secret")),
                    "the password never reaches the log");

            Result removed = wharf("feature", "remove", "auth-pgsql");
            assertEquals(0, removed.exitCode(), removed.output());
            awaitLog("Feature 'auth-pgsql' removed");
            Result after = curl("--user", "sqluser:sql-secret", "--list-only", base);
            assertEquals(67, after.exitCode(), "the backend is gone with its feature: " + after.output());
        } finally {
            try (Connection connection = new org.postgresql.Driver().connect(url, credentials);
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    /**
     * An admin adds the upload script to the running server: {@code bin/wharf feature add uploadscript} writes its
     * default configuration (which passes nothing on), setting {@code program} there takes effect live, and a
     * curl upload then runs the program with the file's path and Pure-FTPd's variables.
     */
    @Test
    void addingTheUploadscriptFeatureRunsAProgramAfterEachUpload() throws Exception {
        String password = demoPassword();
        Path out = Files.createDirectories(server.resolve("var/uploadscript-out"));
        Path script = server.resolve("on-upload.sh");
        Files.writeString(script, String.join("\n", "#!/bin/sh",
                "{ printf 'ARG=%s\\n' \"$1\"; env | grep '^UPLOAD_' | sort; } > \"" + out + "/.run\"",
                "mv \"" + out + "/.run\" \"" + out + "/$(basename \"$1\")\"", ""));
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

        Result added = wharf("feature", "add", "uploadscript");
        assertEquals(0, added.exitCode(), added.output());
        awaitLog("Feature 'uploadscript' added");
        awaitLog("neither 'program' nor 'pipe' is set");
        Path config = server.resolve("etc/dev.wharf.hook.uploadscript.cfg");
        String defaults = Files.readString(config);
        assertTrue(defaults.contains("\nprogram = \n") && defaults.contains("\ntimeout.seconds = 60\n"), defaults);
        Files.writeString(config, defaults.replace("\nprogram = \n", "\nprogram = " + script + "\n"));
        awaitLog("Upload script: program " + script);

        Path upload = Files.writeString(server.resolve("report.txt"), "quarterly numbers\n");
        Result stored = curl("--user", "demo:" + password, "-T", upload.toString(),
                "ftp://127.0.0.1:" + port + "/q%20report.txt");
        assertEquals(0, stored.exitCode(), stored.output());
        Path ran = out.resolve("q report.txt");
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (!Files.exists(ran) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        Path onDisk = server.resolve("var/ftp/demo/q report.txt").toRealPath();
        int uid = (Integer) Files.getAttribute(onDisk, "unix:uid");
        String variables = Files.readString(ran);
        assertTrue(variables.startsWith("ARG=" + onDisk + "\n"), variables);
        assertTrue(variables.contains("\nUPLOAD_SIZE=18\n") && variables.contains("\nUPLOAD_PERMS=644\n")
                && variables.contains("\nUPLOAD_UID=" + uid + "\n") && variables.endsWith("\nUPLOAD_VUSER=demo\n"),
                variables);
    }

    /**
     * An admin adds the S3 storage to the running server ({@code bin/wharf feature add storage-s3}) with
     * {@code etc/dev.wharf.storage.s3.cfg} pointing at an S3-compatible server (S3Proxy, started here on loopback):
     * with the local storage removed, the bundle with its embedded S3 client resolves and starts in Felix, and a
     * curl upload lands in the bucket under the account's prefix instead of its local home.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void addingStorageS3ToTheRunningServerStoresFilesInABucket() throws Exception {
        String password = demoPassword();
        Path s3Directory = Files.createDirectories(server.resolve("var/s3proxy"));
        int s3Port = freePort();
        Path s3Config = Files.writeString(s3Directory.resolve("s3proxy.conf"), String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + s3Port, "s3proxy.authorization=none",
                "jclouds.provider=transient-nio2", "jclouds.identity=e2e", "jclouds.credential=e2e-secret", ""));
        Process s3 = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", System.getProperty("s3proxy.jar"), "--properties", s3Config.toString())
                .redirectErrorStream(true).redirectOutput(s3Directory.resolve("s3proxy.log").toFile()).start();
        try {
            String bucketUrl = "http://127.0.0.1:" + s3Port + "/wharf-e2e";
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (curl("-X", "PUT", "--fail", bucketUrl).exitCode() != 0) {
                assertTrue(s3.isAlive() && System.currentTimeMillis() < deadline, "S3Proxy did not start: "
                        + Files.readString(s3Directory.resolve("s3proxy.log")));
                Thread.sleep(200);
            }
            // the admin's file before the feature: its defaults are then not written
            Files.writeString(server.resolve("etc/dev.wharf.storage.s3.cfg"), String.join("\n",
                    "endpoint = http://127.0.0.1:" + s3Port, "bucket = wharf-e2e", "access.key = e2e",
                    "secret.key = e2e-secret", "path.style = true", ""));
            // S3 becomes the storage of every account
            Result local = wharf("feature", "remove", "storage-local");
            assertEquals(0, local.exitCode(), local.output());
            awaitLog("Feature 'storage-local' removed");
            Result added = wharf("feature", "add", "storage-s3");
            assertEquals(0, added.exitCode(), added.output());
            awaitLog("Feature 'storage-s3' added");
            awaitLog("S3 storage: endpoint http://127.0.0.1:" + s3Port + ", bucket 'wharf-e2e'");

            byte[] content = new byte[3 * 1024 * 1024];
            new Random(11).nextBytes(content);
            Path upload = server.resolve("s3-upload.bin");
            Files.write(upload, content);
            String base = "ftp://127.0.0.1:" + port + "/";
            Result stored = curl("--user", "demo:" + password, "-T", upload.toString(), base + "in%20s3.bin");
            assertEquals(0, stored.exitCode(), stored.output());
            assertTrue(Files.notExists(server.resolve("var/ftp/demo/in s3.bin")), "not in the local home");
            Path object = server.resolve("s3-object.bin");
            Result got = curl("--fail", "-o", object.toString(), bucketUrl + "/demo/in%20s3.bin");
            assertEquals(0, got.exitCode(), got.output());
            assertArrayEquals(sha256(content), sha256(Files.readAllBytes(object)), "the object is the file");
            Path download = server.resolve("s3-download.bin");
            Result fetched = curl("--user", "demo:" + password, "-o", download.toString(), base + "in%20s3.bin");
            assertEquals(0, fetched.exitCode(), fetched.output());
            assertArrayEquals(sha256(content), sha256(Files.readAllBytes(download)));
            Result names = curl("--user", "demo:" + password, "--list-only", base);
            assertEquals(0, names.exitCode(), names.output());
            assertTrue(names.output().lines().anyMatch("in s3.bin"::equals), "listed by its name: "
                    + names.output());
        } finally {
            s3.destroy();
            if (!s3.waitFor(10, TimeUnit.SECONDS)) {
                s3.destroyForcibly();
            }
        }
    }

    private Result wharf(String... arguments) throws Exception {
        return wharfWithInput("", arguments);
    }

    /**
     * Whether the server writes an upload in {@code directory}: an unnamed file ({@code O_TMPFILE}, shown by
     * {@code /proc} as {@code directory/#inode (deleted)}) it holds open there, or a hidden temporary file on file
     * systems without unnamed files.
     */
    private boolean uploadInProgress(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> files = Files.list(directory)) {
            if (files.anyMatch(path -> path.getFileName().toString().startsWith(".wharf-upload."))) {
                return true;
            }
        }
        Path descriptors = Path.of("/proc", Long.toString(process.pid()), "fd");
        try (Stream<Path> open = Files.list(descriptors)) {
            return open.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith(directory.toRealPath() + "/#");
                } catch (IOException closedMeanwhile) {
                    return false;
                }
            });
        }
    }

    /** pure-pw's workflow against the running server: the change is live without a restart. */
    @Test
    void binWharfUserEditsThePasswdFileOfTheRunningServer() throws Exception {
        demoPassword(); // the passwd file exists and the backend runs
        Path home = Files.createDirectories(server.resolve("var/ftp/alice"));
        Files.writeString(home.resolve("hello.txt"), "hello");
        Result added = wharfWithInput("pw for alice\npw for alice\n", "user", "useradd", "alice", "-u", "1001",
                "-g", "1001", "-D", home.toString(), "-c", "Alice");
        assertEquals(0, added.exitCode(), added.output());
        Result listed = wharf("user", "list");
        assertTrue(listed.output().lines().anyMatch(("alice\t" + home + "\tAlice")::equals), listed.output());
        assertTrue(Files.readString(server.resolve("var/pureftpd.passwd")).contains("\nalice:$argon2id$"));

        String base = "ftp://127.0.0.1:" + port + "/";
        Result fetched = null;
        for (int attempt = 0; attempt < 20; attempt++) { // the server re-reads the file within a second
            fetched = curl("--user", "alice:pw for alice", base + "hello.txt");
            if (fetched.exitCode() == 0) {
                break;
            }
            Thread.sleep(250);
        }
        assertEquals("hello", fetched.output());

        Result deleted = wharf("user", "userdel", "alice");
        assertEquals(0, deleted.exitCode(), deleted.output());
        Thread.sleep(1500);
        assertEquals(67, curl("--user", "alice:pw for alice", base).exitCode(), "alice is gone");
        Result missing = wharf("user", "show", "alice");
        assertEquals(1, missing.exitCode(), missing.output());
    }

    /** The operator's view of a running server: who, stats, kick, the transfer log and quotacheck. */
    @Test
    void binWharfWhoStatsAndKickSeeALiveTransfer() throws Exception {
        String password = demoPassword();
        Path demoHome = server.resolve("var/ftp/demo");
        byte[] content = new byte[8 * 1024 * 1024];
        new Random(11).nextBytes(content);
        Files.write(demoHome.resolve("big.bin"), content);
        // slow downloads down (live, no restart) so that the transfer can be watched
        Files.writeString(server.resolve("etc/dev.wharf.limits.cfg"), "bandwidth.download = 512\n");
        awaitLog("download 512 KB/s per session");

        Process download = new ProcessBuilder("curl", "--silent", "--max-time", "60", "--user", "demo:" + password,
                "-o", server.resolve("partial.bin").toString(), "ftp://127.0.0.1:" + port + "/big.bin")
                .redirectErrorStream(true).start();
        String line = null;
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (line == null && System.currentTimeMillis() < deadline) {
            Result who = wharf("who", "-s");
            assertEquals(0, who.exitCode(), who.output());
            line = who.output().lines().filter(l -> l.contains("| DL |/big.bin|")).findFirst().orElse(null);
            Thread.sleep(200);
        }
        assertTrue(line != null && line.matches("\\d+\\|demo\\|\\d+\\| DL \\|/big\\.bin\\|127\\.0\\.0\\.1\\|"
                + "127\\.0\\.0\\.1\\|" + port + "\\|\\d+\\|8192\\|\\d+\\|\\d+"), "who -s shows the download: " + line);
        Result json = wharf("who", "json");
        assertTrue(json.output().contains("\"account\": \"demo\"") && json.output().contains("\"state\": \"DL\""),
                json.output());
        Result mrtg = wharf("stats", "mrtg", Integer.toString(port));
        assertEquals("1", mrtg.output().lines().findFirst().orElse(""), mrtg.output());
        assertEquals(4, mrtg.output().lines().count(), mrtg.output());

        Result kicked = wharf("kick", "demo");
        assertEquals(0, kicked.exitCode(), kicked.output());
        assertTrue(download.waitFor(30, TimeUnit.SECONDS));
        assertTrue(download.exitValue() != 0, "the kicked download fails");
        assertTrue(Files.size(server.resolve("partial.bin")) < content.length);
        Result after = wharf("who", "-s");
        assertTrue(after.output().lines().noneMatch(l -> l.contains("|demo|")), after.output());
        Result unknown = wharf("kick", "99999");
        assertEquals(1, unknown.exitCode(), unknown.output());

        // the default transfer log is xferlog; the kicked download is logged incomplete
        Path xferlog = server.resolve("var/log/xferlog");
        String logged = Files.readString(xferlog);
        String kickedLine = demoHome.toRealPath().resolve("big.bin") + " b _ o r demo ftp 1 * i";
        assertTrue(logged.lines().anyMatch(l -> l.endsWith(kickedLine)), logged);

        Result check = wharf("quotacheck", "-d", demoHome.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertEquals("1 " + content.length + "\n", Files.readString(demoHome.resolve(".ftpquota")));
    }

    /**
     * An admin moves a Pure-FTPd configuration onto the running server with {@code bin/wharf import-conf}: a dry run
     * changes nothing, a plain run leaves the files that already exist with other values alone, {@code --force}
     * changes them and the server follows: new port, TLS required, the passwd file of the PureDB, the umask.
     */
    @Test
    void importConfMovesAPureFtpdConfigurationOntoTheRunningServer() throws Exception {
        String password = demoPassword();
        int importedPort = freePort();
        // the old server's certificate and key in one file, as pure-ftpd.pem
        Path key = server.resolve("old-key.pem");
        Path certificate = server.resolve("old-cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", certificate.toString(),
                "-days", "2", "-subj", "/CN=old-ftp.test", "-addext", "subjectAltName=IP:127.0.0.1")
                .redirectErrorStream(true).start();
        String opensslOutput = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, openssl.waitFor(), "this test needs the openssl program: " + opensslOutput);
        Path pem = Files.writeString(server.resolve("pure-ftpd.pem"), Files.readString(key)
                + Files.readString(certificate));
        Path conf = Files.writeString(server.resolve("pure-ftpd.conf"), String.join("\n",
                "# the old server's settings",
                "ChrootEveryone yes",
                "Bind 127.0.0.1," + importedPort,
                "MaxIdleTime 2",
                "PureDB " + server.resolve("var/pureftpd.pdb"),
                "NoAnonymous yes",
                "TLS 2",
                "CertFile " + pem,
                "Umask 177:077", ""));
        Path etc = server.resolve("etc");
        Map<String, String> before = contents(etc);

        Result dryRun = wharf("import-conf", "--dry-run", conf.toString());
        assertEquals(1, dryRun.exitCode(), "ChrootEveryone is not mapped: " + dryRun.output());
        assertTrue(dryRun.output().contains("ChrootEveryone (pure-ftpd.conf:2): always on in Wharf"),
                dryRun.output());
        assertTrue(dryRun.output().contains("would write dev.wharf.security.cfg (new)"), dryRun.output());
        assertEquals(before, contents(etc), "a dry run writes nothing");

        Result plain = wharf("import-conf", conf.toString());
        assertEquals(1, plain.exitCode(), plain.output());
        assertTrue(plain.output().contains("NOT WRITTEN dev.wharf.listener-main.cfg: it exists with other values"),
                plain.output());
        assertEquals(before.get("dev.wharf.listener-main.cfg"),
                Files.readString(etc.resolve("dev.wharf.listener-main.cfg")), "not overwritten without --force");
        assertEquals("# Configuration dev.wharf.security, imported from Pure-FTPd's " + conf
                + " by bin/wharf import-conf.\n# Edit freely: changes are applied while the server runs.\n"
                + "anonymous.enabled = false\numask.files = 177\numask.dirs = 077\n",
                Files.readString(etc.resolve("dev.wharf.security.cfg")), "a new file is written");

        Result forced = wharf("import-conf", "--force", conf.toString());
        assertEquals(1, forced.exitCode(), forced.output());
        assertTrue(forced.output().contains("updated     dev.wharf.listener-main.cfg (--force)"), forced.output());
        Properties listener = new Properties();
        try (var reader = Files.newBufferedReader(etc.resolve("dev.wharf.listener-main.cfg"))) {
            listener.load(reader);
        }
        assertEquals(Integer.toString(importedPort), listener.getProperty("port"));
        assertEquals("2", listener.getProperty("tls"));
        assertEquals("120", listener.getProperty("idle.timeout"));
        assertEquals("passwd", listener.getProperty("auth.order"));
        assertTrue(listener.getProperty("passive.ports").matches("\\d+-\\d+"), "keys the import does not set stay");
        Properties features = new Properties();
        try (var reader = Files.newBufferedReader(etc.resolve("features.properties"))) {
            features.load(reader);
        }
        assertEquals("base, core, storage-local, auth-passwd, tls, tls-files", features.getProperty("features"));

        awaitLog("accepting FTP connections on 127.0.0.1:" + importedPort);
        awaitLog("configuration {dev.wharf.security}"); // the umask is in force before the upload
        String base = "ftp://127.0.0.1:" + importedPort + "/";
        Result plainLogin = curl("--user", "demo:" + password, "--list-only", base);
        assertTrue(plainLogin.exitCode() != 0, "TLS 2: no login without TLS: " + plainLogin.output());
        Path upload = Files.writeString(server.resolve("imported.txt"), "after the import");
        Result stored = null;
        // the server adds tls-files and the passwd backend follows its new file within a second or two; curl
        // trusts only the old server's certificate, so the upload also proves that the imported one is served
        for (int attempt = 0; attempt < 40; attempt++) {
            stored = curl("--user", "demo:" + password, "--ssl-reqd", "--cacert", certificate.toString(), "-T",
                    upload.toString(), base + "imported.txt");
            if (stored.exitCode() == 0) {
                break;
            }
            Thread.sleep(250);
        }
        assertEquals(0, stored.exitCode(), "the demo account of the PureDB's passwd file logs in over TLS with "
                + "the imported certificate: " + stored.output());
        assertEquals(PosixFilePermissions.fromString("rw-------"),
                Files.getPosixFilePermissions(server.resolve("var/ftp/demo/imported.txt")), "Umask 177 applies");
        assertTrue(Files.readString(log).lines().noneMatch(line -> line.contains("invalid value")),
                "every imported value is valid for the server");
    }

    private static Map<String, String> contents(Path directory) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(directory)) {
            for (Path file : list.filter(Files::isRegularFile).toList()) {
                files.put(file.getFileName().toString(), Files.readString(file));
            }
        }
        return files;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void startStatusAndStopTellAKilledServerFromALiveOne() throws Exception {
        stopServer();
        process = null;
        for (int round = 0; round < 4; round++) {
            Result started = wharfWithInput("", "start");
            assertEquals(0, started.exitCode(), started.output());
            assertTrue(started.output().contains("Wharf started"), "round " + round + ": " + started.output());
            long pid = Long.parseLong(Files.readString(server.resolve("var/wharf.pid")).strip());
            // running at once; healthy (exit 0) once its listener is bound and its backends are up
            Result status = wharfWithInput("", "status");
            assertTrue(status.output().contains("running (pid " + pid + ")"), status.output());
            long deadline = System.currentTimeMillis() + WAIT_MILLIS;
            while (status.exitCode() != 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(250);
                status = wharfWithInput("", "status");
            }
            assertEquals(0, status.exitCode(), status.output());
            assertTrue(status.output().contains("health: OK"), status.output());
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
            // right after kill -9 the process may not be reaped yet: it must not count as running
            Result dead = wharfWithInput("", "status");
            assertEquals(3, dead.exitCode(), "round " + round + ": " + dead.output());
        }
        Result started = wharfWithInput("", "start");
        assertTrue(started.output().contains("Wharf started"), started.output());
        awaitPort();
        Result stopped = wharfWithInput("", "stop");
        assertEquals(0, stopped.exitCode(), stopped.output());
        assertTrue(stopped.output().contains("Wharf stopped"), stopped.output());
        Result status = wharfWithInput("", "status");
        assertEquals(3, status.exitCode(), status.output());
    }

    /** Waits until the listener port answers (a server started in the background logs elsewhere). */
    private void awaitPort() throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        fail("nothing listens on port " + port);
    }

    /** One raw login attempt from {@code source}: the final reply line to PASS (or what ended the connection). */
    private String tryLogin(String source, String user, String password) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.bind(new java.net.InetSocketAddress(source, 0));
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(60_000);
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    socket.getInputStream(), StandardCharsets.UTF_8));
            java.io.OutputStream out = socket.getOutputStream();
            String greeting = finalReply(in);
            if (greeting == null || !greeting.startsWith("220")) {
                return String.valueOf(greeting);
            }
            out.write(("USER " + user + "\r\nPASS " + password + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            finalReply(in);
            return String.valueOf(finalReply(in));
        } catch (IOException failed) {
            return failed.toString();
        }
    }

    private static String finalReply(java.io.BufferedReader in) throws IOException {
        String line = in.readLine();
        while (line != null && line.length() > 3 && line.charAt(3) == '-') {
            line = in.readLine();
        }
        return line;
    }

    private long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    /**
     * 200 wrong passwords at once against the demo account's argon2id hash (64 MiB each), from 20 addresses: the
     * server's memory stays under 700 MiB resident (the default 512 MiB heap plus the JVM's own), and a real user,
     * whose password is hashed as well, still logs in within seconds.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void twoHundredWrongPasswordsAtOnceStayWithinMemoryAndLetARealUserIn() throws Exception {
        String password = demoPassword(); // never used yet: the real login below pays a full hash too
        long before = residentKib();
        java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong(before);
        java.util.concurrent.atomic.AtomicBoolean storm = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (storm.get()) {
                try {
                    peak.accumulateAndGet(residentKib(), Math::max);
                    Thread.sleep(50);
                } catch (IOException | InterruptedException stop) {
                    return;
                }
            }
        });
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> replies =
                new java.util.concurrent.ConcurrentHashMap<>();
        List<Thread> attackers = new ArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < 200; i++) {
            String source = "127.0.0." + (101 + i % 20);
            int guess = i;
            attackers.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException stop) {
                    return;
                }
                String reply = tryLogin(source, "demo", "wrong-" + guess);
                replies.computeIfAbsent(reply.length() >= 3 ? reply.substring(0, 3) : reply,
                        code -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }));
        }
        go.countDown();
        Thread.sleep(1_000);
        long started = System.nanoTime();
        String real = tryLogin("127.0.0.1", "demo", password);
        long realMillis = (System.nanoTime() - started) / 1_000_000;
        for (Thread attacker : attackers) {
            attacker.join(120_000);
        }
        storm.set(false);
        sampler.join(5_000);
        long peakMib = peak.get() / 1024;
        System.out.printf("200 wrong argon2id passwords: RSS %d MiB before, peak %d MiB; replies %s; real login %d ms%n",
                before / 1024, peakMib, replies, realMillis);
        assertTrue(real.startsWith("230"), "the real user got in during the storm: " + real);
        assertTrue(realMillis < 8_000, "the real user waited " + realMillis + " ms");
        assertTrue(peakMib < 700, "the server's memory peaked at " + peakMib + " MiB");
        assertEquals(200, replies.values().stream().mapToInt(java.util.concurrent.atomic.AtomicInteger::get).sum());
        assertTrue(!replies.containsKey("230"), "no wrong password got in: " + replies);
    }

    /** Control bytes a client sends never reach the log file raw (they could forge or hide lines). */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hostileBytesReachTheLogEscaped() throws Exception {
        String password = demoPassword();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    socket.getInputStream(), StandardCharsets.UTF_8));
            java.io.OutputStream out = socket.getOutputStream();
            finalReply(in);
            out.write(("USER demo\r\nPASS " + password + "\r\nPASV\r\n").getBytes(StandardCharsets.UTF_8));
            finalReply(in);
            finalReply(in);
            finalReply(in);
            for (String hostile : List.of("LIST [\0\u001b[2J", "NLST *[\u0007", "STAT [\u007f", "CWD \u001b]0;x\u0007",
                    "USER \u001b[31mroot\0")) {
                out.write((hostile + "\r\n").getBytes(StandardCharsets.UTF_8));
                String reply = finalReply(in);
                assertTrue(reply != null && !reply.contains("Internal error"), hostile + " -> " + reply);
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.UTF_8));
            finalReply(in);
        }
        assertTrue(tryLogin("127.0.0.1", "\u001b[31mroot\rFAKE", "x").startsWith("530"));
        awaitLog("Login refused for");
        byte[] logged = Files.readAllBytes(log);
        for (int i = 0; i < logged.length; i++) {
            int b = logged[i] & 0xFF;
            assertTrue(b >= 0x20 && b != 0x7F || b == '\n' || b == '\t',
                    "raw control byte " + b + " at " + i + " of the log: " + new String(logged,
                            Math.max(0, i - 80), Math.min(160, logged.length - Math.max(0, i - 80)),
                            StandardCharsets.UTF_8));
        }
    }

    /** Runs {@code bin/wharf} with {@code input} on its standard input (passwords for "user" commands). */
    private Result wharfWithInput(String input, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(server.resolve("bin/wharf").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process tool = builder.start();
        tool.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        tool.getOutputStream().close();
        String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tool.waitFor(60, TimeUnit.SECONDS), "bin/wharf finished");
        return new Result(tool.exitValue(), output);
    }

    private String demoPassword() throws Exception {
        String line = awaitLog("Demo account created");
        Matcher matcher = DEMO_PASSWORD.matcher(line);
        assertTrue(matcher.find(), line);
        return matcher.group(1);
    }

    /** Waits for a log line containing {@code text} and returns it. */
    private String awaitLog(String text) throws Exception {
        return ServerLogs.awaitLine(log, process, text, WAIT_MILLIS);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result curl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "60"));
        command.addAll(List.of(arguments));
        Process curl;
        try {
            curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            throw new AssertionError("this test needs the curl program (apt-get install curl)", notInstalled);
        }
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(90, TimeUnit.SECONDS), "curl finished");
        return new Result(curl.exitValue(), output);
    }

    private static byte[] sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
