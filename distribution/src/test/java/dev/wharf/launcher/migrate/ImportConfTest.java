package dev.wharf.launcher.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/wharf import-conf}: Pure-FTPd configurations in, Wharf's etc/ files and a report out. */
class ImportConfTest {

    private static final String DEFAULT_FEATURES = "# Features started with the server\n"
            + "features = base, core, storage-local, auth-passwd, tls\n";

    @TempDir
    Path directory;

    private Path home;
    private Path etc;
    /** The system passwd file the importer looks the anonymous account "ftp" up in: none by default. */
    private Path systemPasswd;

    private record Result(int exitCode, String out, String err) {
        /** The "Not mapped" list as "Key Kind" lines (Kind from the group heading), in report order. */
        List<String> unmapped() {
            List<String> result = new ArrayList<>();
            String kind = null;
            boolean inList = false;
            for (String line : out.lines().toList()) {
                if (line.startsWith("Not mapped (")) {
                    inList = true;
                } else if (inList && line.startsWith("    ")) {
                    result.add(line.strip().split(" ")[0] + " " + kind);
                } else if (inList && line.startsWith("  ")) {
                    kind = heading(line.strip());
                } else if (inList) {
                    inList = false;
                }
            }
            return result;
        }

        private static String heading(String line) {
            for (ImportPlan.Kind kind : ImportPlan.Kind.values()) {
                if (line.equals(kind.heading + ":")) {
                    return kind.name();
                }
            }
            throw new AssertionError("not a heading: " + line);
        }

        /** What the report says {@code origin} (e.g. "pure-ftpd.conf:12") became. */
        String line(String origin) {
            Matcher matcher = Pattern.compile("(?m)^  " + Pattern.quote(origin) + "  .*\\n      -> (.*)$").matcher(out);
            assertTrue(matcher.find(), "no line " + origin + " in:\n" + out);
            return matcher.group(1);
        }
    }

    @BeforeEach
    void server() throws IOException {
        home = Files.createDirectories(directory.resolve("wharf"));
        etc = Files.createDirectories(home.resolve("etc"));
        Files.writeString(etc.resolve("features.properties"), DEFAULT_FEATURES);
        systemPasswd = Files.writeString(directory.resolve("passwd"),
                "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    }

    private Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ImportConf.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), home, systemPasswd);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path resource(String name) throws IOException {
        Path file = directory.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/migrate/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    private Path conf(String name, String... lines) throws IOException {
        return Files.writeString(directory.resolve(name), String.join("\n", lines) + "\n");
    }

    /** Every file in etc/ except features.properties, each as its properties. */
    private Map<String, Map<String, String>> cfgFiles() throws IOException {
        Map<String, Map<String, String>> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(etc)) {
            for (Path file : list.filter(f -> f.toString().endsWith(".cfg")).toList()) {
                files.put(file.getFileName().toString(), properties(file));
            }
        }
        return files;
    }

    private static Map<String, String> properties(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }

    private String features() throws IOException {
        return properties(etc.resolve("features.properties")).get("features");
    }

    private Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : list.toList()) {
                files.put(file.getFileName().toString(), Files.readString(file));
            }
        }
        return files;
    }

    @Test
    void realisticPureFtpdConf() throws IOException {
        Path conf = resource("pure-ftpd.conf");
        Result result = run(conf.toString());

        assertEquals(1, result.exitCode(), result.out() + result.err());
        assertEquals("", result.err());
        assertEquals(Map.of(
                "dev.wharf.listener-main.cfg", Map.of("max.clients", "40", "idle.timeout", "600",
                        "passive.ports", "30000-30999", "passive.address", "203.0.113.10", "tls", "2",
                        "bind", "0.0.0.0", "auth.order", "passwd, mysql", "upload.mode", "atomic-resume"),
                "dev.wharf.security.cfg", Map.ofEntries(Map.entry("max.per.ip", "6"),
                        Map.entry("anonymous.enabled", "false"), Map.entry("anonymous.upload", "false"),
                        Map.entry("umask.files", "137"), Map.entry("umask.dirs", "027"),
                        Map.entry("fxp.enabled", "false"), Map.entry("dotfiles.write", "false"),
                        Map.entry("dotfiles.read", "true"), Map.entry("autorename", "false"),
                        Map.entry("no.chmod", "true"), Map.entry("keep.all.files", "false"),
                        Map.entry("disk.max.percent", "95"), Map.entry("customer.proof", "true"),
                        Map.entry("max.per.user", "3"), Map.entry("no.rename", "false")),
                "dev.wharf.limits.cfg", Map.of("quota.files", "1000", "quota.size", "10",
                        "bandwidth.upload", "8", "bandwidth.download", "8"),
                "dev.wharf.transferlog.cfg", Map.of("format", "w3c", "file", "/var/log/pureftpd.log"),
                "dev.wharf.auth.passwd.cfg", Map.of("file", "/etc/pure-ftpd/pureftpd.passwd",
                        "demo.create", "false"),
                "dev.wharf.auth.mysql.cfg", Map.of("config.file", "/etc/pure-ftpd/db/mysql.conf"),
                "dev.wharf.tls.files.cfg", Map.of("files", "/etc/ssl/private/pure-ftpd.pem"),
                "dev.wharf.hook.uploadscript.cfg", Map.of("pipe", "/var/run/pure-ftpd.upload.pipe"),
                "dev.wharf.storage.local.cfg", Map.of("create.home", "true")), cfgFiles());
        assertEquals("base, core, storage-local, auth-passwd, tls, auth-mysql, tls-files, uploadscript", features());
        assertTrue(Files.readString(etc.resolve("features.properties")).startsWith("# Features started"),
                "the comments of features.properties stay");

        assertEquals(List.of("ChrootEveryone ALREADY", "Daemonize ALREADY", "DontResolve ALREADY",
                "PIDFile DIFFERS", "DisplayDotFiles DIFFERS", "SyslogFacility DIFFERS", "LimitRecursion DIFFERS",
                "MinUID DIFFERS", "TLSCipherSuite DIFFERS"), result.unmapped());
        assertTrue(result.out().contains("Daemonize (pure-ftpd.conf:18): not needed, bin/wharf start runs in the "
                + "background"), result.out());
        assertTrue(result.out().contains("ChrootEveryone (pure-ftpd.conf:8): always on in Wharf"), result.out());
        assertTrue(result.out().contains("DontResolve (pure-ftpd.conf:29): Wharf never resolves names"));
        assertTrue(result.out().contains("TLSCipherSuite (pure-ftpd.conf:76): OpenSSL cipher string; Wharf uses "
                + "JSSE names, set tls.ciphers by hand"), result.out());

        assertEquals("dev.wharf.listener-main.cfg: max.clients = 40", result.line("pure-ftpd.conf:14"));
        assertEquals("dev.wharf.listener-main.cfg: idle.timeout = 600 (seconds)", result.line("pure-ftpd.conf:32"));
        assertTrue(result.line("pure-ftpd.conf:35").startsWith("dev.wharf.auth.passwd.cfg: file = "
                + "/etc/pure-ftpd/pureftpd.passwd, demo.create = false (feature auth-passwd; the .pdb is not used"),
                result.line("pure-ftpd.conf:35"));
        assertEquals("dev.wharf.security.cfg: max.per.user = 3 (anonymous part (20): nothing to map, anonymous "
                + "logins are off)", result.line("pure-ftpd.conf:71"));
        assertEquals("nothing to map: anonymous logins are off", result.line("pure-ftpd.conf:39"));
        assertTrue(result.out().contains("  written     dev.wharf.listener-main.cfg (new)"), result.out());
        assertTrue(result.out().contains("updated     features.properties: features = base, core, storage-local, "
                + "auth-passwd, tls, auth-mysql, tls-files, uploadscript (added auth-mysql, tls-files, "
                + "uploadscript)"), result.out());

        // the same import again finds everything in place
        Result again = run(conf.toString());
        assertEquals(1, again.exitCode()); // the same keys are still not mapped
        assertFalse(again.out().contains("NOT WRITTEN"), again.out());
        assertTrue(again.out().contains("unchanged   dev.wharf.listener-main.cfg"), again.out());
    }

    @Test
    void debianDirectoryLayoutWithTheAuthChainFromItsLinks() throws IOException {
        Path pure = Files.createDirectories(directory.resolve("etc-pure-ftpd"));
        Path conf = Files.createDirectories(pure.resolve("conf"));
        Path auth = Files.createDirectories(pure.resolve("auth"));
        Path passwd = Files.writeString(pure.resolve("pureftpd.passwd"), "");
        Map<String, String> options = new TreeMap<>(Map.ofEntries(
                Map.entry("MinUID", "1000"), Map.entry("NoAnonymous", "yes"),
                Map.entry("PureDB", pure.resolve("pureftpd.pdb").toString()), Map.entry("UnixAuthentication", "yes"),
                Map.entry("PAMAuthentication", "no"), Map.entry("ExtAuth", "/run/ftpd-auth.sock"),
                Map.entry("MySQLConfigFile", "/etc/pure-ftpd/db/mysql.conf"), Map.entry("TLS", "1"),
                Map.entry("AltLog", "clf:/var/log/pure-ftpd/transfer.log"), Map.entry("Bind", "0.0.0.0,2121"),
                Map.entry("PassivePortRange", "40000 40099"), Map.entry("Umask", "177 077"),
                Map.entry("MaxClientsNumber", "20"), Map.entry("FSCharset", "UTF-8"),
                Map.entry("TLSCipherSuite", "HIGH"), Map.entry("ChrootEveryone", "yes"),
                Map.entry("UserBandwidth", ":100"), Map.entry("Quota", "500 20"), Map.entry("PerUserLimits", "2 0")));
        for (Map.Entry<String, String> option : options.entrySet()) {
            Files.writeString(conf.resolve(option.getKey()), "# set by the admin\n" + option.getValue() + "\n");
        }
        Files.writeString(conf.resolve("MinUID~"), "5\n"); // an editor's backup: the wrapper skips it
        Files.createSymbolicLink(auth.resolve("65unix"), Path.of("../conf/UnixAuthentication"));
        Files.createSymbolicLink(auth.resolve("50pure"), Path.of("../conf/PureDB"));
        Files.createSymbolicLink(auth.resolve("70pam"), Path.of("../conf/PAMAuthentication"));
        Files.createSymbolicLink(auth.resolve("40extauth"), Path.of("../conf/ExtAuth"));

        Result result = run("--etc", etc.toString(), pure.toString());

        assertEquals(1, result.exitCode(), result.out() + result.err());
        assertEquals(Map.of(
                "dev.wharf.listener-main.cfg", Map.of("bind", "0.0.0.0", "port", "2121", "max.clients", "20",
                        "passive.ports", "40000-40099", "tls", "1", "auth.order", "extauth, passwd, unix",
                        "upload.mode", "atomic-resume"),
                "dev.wharf.security.cfg", Map.of("anonymous.enabled", "false", "umask.files", "177",
                        "umask.dirs", "077", "max.per.user", "2"),
                "dev.wharf.limits.cfg", Map.of("quota.files", "500", "quota.size", "20",
                        "bandwidth.download", "100"),
                "dev.wharf.transferlog.cfg", Map.of("format", "clf", "file", "/var/log/pure-ftpd/transfer.log"),
                "dev.wharf.auth.passwd.cfg", Map.of("file", passwd.toString(), "demo.create", "false"),
                "dev.wharf.auth.unix.cfg", Map.of("min.uid", "1000"),
                "dev.wharf.auth.extauth.cfg", Map.of("socket", "/run/ftpd-auth.sock"),
                "dev.wharf.tls.files.cfg", Map.of("files", "/etc/ssl/private/pure-ftpd.pem")), cfgFiles());
        assertEquals("base, core, storage-local, auth-passwd, tls, auth-extauth, auth-unix, tls-files", features());
        assertEquals(List.of("ChrootEveryone ALREADY", "FSCharset ALREADY", "TLSCipherSuite DIFFERS"),
                result.unmapped());
        assertEquals("nothing to map: not linked from auth/, so Pure-FTPd does not use it",
                result.line("conf/MySQLConfigFile:2"));
        assertTrue(result.line("auth/50pure -> conf/PureDB:2").contains("auth.order: passwd"), result.out());
        assertEquals("nothing to map: not in the chain", result.line("auth/70pam -> conf/PAMAuthentication:2"));
        assertTrue(result.line("conf/MinUID:2").startsWith("dev.wharf.auth.unix.cfg: min.uid = 1000 (Wharf checks "
                + "it for system accounts only"), result.out());
        assertFalse(result.out().contains("MinUID~"), "backup files are skipped, as the wrapper does");

        // conf/ itself names the same layout
        Result fromConf = run("--dry-run", conf.toString());
        assertEquals(1, fromConf.exitCode());
        assertTrue(fromConf.out().contains("unchanged   dev.wharf.listener-main.cfg"), fromConf.out());
    }

    @Test
    void theAuthChainReplacesAuthPasswdWhenItHasNoPureDb() throws IOException {
        Result result = run(conf("sql.conf", "PGSQLConfigFile /etc/pure-ftpd/db/postgresql.conf",
                "LDAPConfigFile /etc/pure-ftpd/db/ldap.conf", "PAMAuthentication yes", "MinUID 500",
                "NoAnonymous yes").toString());

        assertEquals(0, result.exitCode(), result.out());
        assertEquals(Map.of("dev.wharf.listener-main.cfg", Map.of("auth.order", "pgsql, ldap, pam",
                        "upload.mode", "atomic-resume"),
                "dev.wharf.security.cfg", Map.of("anonymous.enabled", "false"),
                "dev.wharf.auth.pgsql.cfg", Map.of("config.file", "/etc/pure-ftpd/db/postgresql.conf"),
                "dev.wharf.auth.ldap.cfg", Map.of("config.file", "/etc/pure-ftpd/db/ldap.conf"),
                "dev.wharf.auth.pam.cfg", Map.of("min.uid", "500")), cfgFiles());
        assertEquals("base, core, storage-local, tls, auth-pgsql, auth-ldap, auth-pam", features());
        assertEquals(List.of(), result.unmapped());
        assertTrue(result.out().contains("removed auth-passwd: Pure-FTPd's chain has no PureDB"), result.out());
        assertTrue(result.line("sql.conf:3").contains("auth.order: pam"), result.out());
        assertTrue(result.line("sql.conf:4").startsWith("dev.wharf.auth.pam.cfg: min.uid = 500 (Wharf checks it for "
                + "system accounts only"), result.out());
    }

    @Test
    void includesQuotesSeparatorsAndTheLastOfARepeatedKey() throws IOException {
        conf("extra.conf", "Bind \"127.0.0.1,2100\"", "UserRatio 1 5");
        Path main = conf("main.conf", "maxclientsnumber=12", "Include extra.conf", "Include missing.conf",
                "CertFileAndKey \"/etc/ssl/my cert.pem\" \"/etc/ssl/my key.pem\"", "UserBandwidth 5:",
                "AnonymousBandwidth 3 4", "AltLog /var/log/ftp-clf.log", "MaxClientsNumber: 14",
                "MaxClientsPerIP 4", "TLS 0", "CreateHomeDir no", "MaxDiskUsage 90", "NoAnonymous YES");

        Result result = run(main.toString());

        assertEquals(0, result.exitCode(), result.out());
        assertEquals(Map.of(
                "dev.wharf.listener-main.cfg", Map.of("max.clients", "14", "bind", "127.0.0.1", "port", "2100",
                        "tls", "0", "upload.mode", "atomic-resume"),
                "dev.wharf.security.cfg", Map.of("max.per.ip", "4", "disk.max.percent", "90",
                        "anonymous.enabled", "false"),
                "dev.wharf.limits.cfg", Map.of("ratio.upload", "1", "ratio.download", "5", "bandwidth.upload", "5",
                        "anonymous.bandwidth.upload", "3", "anonymous.bandwidth.download", "4"),
                "dev.wharf.transferlog.cfg", Map.of("format", "clf", "file", "/var/log/ftp-clf.log"),
                "dev.wharf.tls.files.cfg", Map.of("files", "/etc/ssl/my cert.pem, /etc/ssl/my key.pem"),
                "dev.wharf.storage.local.cfg", Map.of("create.home", "false")), cfgFiles());
        assertEquals("nothing to map: overridden by main.conf:8 (Pure-FTPd uses the last)", result.line("main.conf:1"));
        assertTrue(result.line("main.conf:2").startsWith("nothing to map: read "), result.out());
        assertEquals("nothing to map: no such file, skipped (as Pure-FTPd does)", result.line("main.conf:3"));
        assertEquals("dev.wharf.listener-main.cfg: bind = 127.0.0.1, port = 2100", result.line("extra.conf:1"));
        assertTrue(result.out().contains("Every setting was mapped."), result.out());
    }

    @Test
    void anonymousIsEnabledOnlyWhenTheConfigurationAndTheSystemAllowedIt() throws IOException {
        systemPasswd = Files.writeString(directory.resolve("passwd-ftp"),
                "root:x:0:0:root:/root:/bin/bash\nftp:x:107:65534::/srv/ftp:/usr/sbin/nologin\n");
        Result allowed = run(conf("anon.conf", "NoAnonymous no", "AnonymousCantUpload no",
                "AnonymousCanCreateDirs no", "AntiWarez yes", "PerUserLimits 3:20", "AllowAnonymousFXP yes",
                "AnonymousRatio 1 4").toString());

        assertEquals(1, allowed.exitCode(), allowed.out());
        assertEquals(Map.of("anonymous.enabled", "true", "anonymous.root", "/srv/ftp", "anonymous.upload", "true",
                "max.per.user", "3"), cfgFiles().get("dev.wharf.security.cfg"));
        assertEquals(Map.of("anonymous.ratio.upload", "1", "anonymous.ratio.download", "4"),
                cfgFiles().get("dev.wharf.limits.cfg"));
        assertEquals(List.of("AntiWarez ALREADY", "AnonymousCanCreateDirs DIFFERS", "PerUserLimits DIFFERS",
                "AllowAnonymousFXP DIFFERS"), allowed.unmapped());
        assertTrue(allowed.out().contains("Anonymous logins are ON, as they were in Pure-FTPd (anon.conf:1)"));

        // without NoAnonymous, Pure-FTPd allowed anonymous logins too, but that is not written without being asked
        Files.delete(etc.resolve("dev.wharf.security.cfg"));
        Result silent = run(conf("silent.conf", "MaxClientsPerIP 3").toString());
        assertEquals(1, silent.exitCode(), silent.out());
        assertEquals(Map.of("max.per.ip", "3"), cfgFiles().get("dev.wharf.security.cfg"));
        assertEquals(List.of("NoAnonymous DIFFERS"), silent.unmapped());
        assertTrue(silent.out().contains("NoAnonymous (not set): Pure-FTPd allowed anonymous logins (there is a "
                + "system account 'ftp', home /srv/ftp)"), silent.out());
    }

    @Test
    void anonymousOnlyTrustedIpAndAPassiveHostName() throws IOException {
        systemPasswd = Files.writeString(directory.resolve("passwd-ftp"),
                "root:x:0:0:root:/root:/bin/bash\nftp:x:107:65534::/srv/ftp:/usr/sbin/nologin\n");
        // as in Debian's /etc/pure-ftpd/pure-ftpd.conf: aligned values and comments
        Result result = run(conf("pure-ftpd.conf",
                "# Only anonymous users, and real accounts only on the office address",
                "AnonymousOnly               yes",
                "TrustedIP                   192.0.2.7",
                "",
                "# The NAT router's dynamic DNS name",
                "ForcePassiveIP              ftp.example.org").toString());

        assertEquals(0, result.exitCode(), result.out());
        assertEquals(Map.of("anonymous.only", "true", "anonymous.enabled", "true", "anonymous.root", "/srv/ftp",
                "trusted.ip", "192.0.2.7"), cfgFiles().get("dev.wharf.security.cfg"));
        assertEquals(Map.of("passive.address", "ftp.example.org", "upload.mode", "atomic-resume"),
                cfgFiles().get("dev.wharf.listener-main.cfg"));
        assertEquals(List.of(), result.unmapped());
        assertEquals("dev.wharf.listener-main.cfg: passive.address = ftp.example.org (a name, resolved for each "
                + "connection as in Pure-FTPd)", result.line("pure-ftpd.conf:6"));
        assertEquals("dev.wharf.security.cfg: trusted.ip = 192.0.2.7 (logins on other local addresses are "
                + "anonymous)", result.line("pure-ftpd.conf:3"));

        // AnonymousOnly without the system account 'ftp': Pure-FTPd let nobody in; nothing is guessed
        Files.delete(etc.resolve("dev.wharf.security.cfg"));
        Files.delete(etc.resolve("dev.wharf.listener-main.cfg"));
        systemPasswd = Files.writeString(directory.resolve("passwd-none"), "root:x:0:0:root:/root:/bin/bash\n");
        Result noAccount = run(conf("none.conf", "AnonymousOnly yes", "TrustedIP office",
                "ForcePassiveIP 10.0.0.300").toString());
        assertEquals(1, noAccount.exitCode(), noAccount.out());
        assertEquals(List.of("TrustedIP INVALID", "ForcePassiveIP INVALID", "AnonymousOnly DIFFERS"),
                noAccount.unmapped().stream().sorted(java.util.Comparator.comparing(line -> !line.endsWith("INVALID")))
                        .toList());
        assertFalse(Files.exists(etc.resolve("dev.wharf.security.cfg")));
    }

    @Test
    void pureFtpdsVirtualHostDirectoriesBecomeAnonymousVirtualHosts() throws IOException {
        systemPasswd = Files.writeString(directory.resolve("passwd-ftp"),
                "root:x:0:0:root:/root:/bin/bash\nftp:x:107:65534::/srv/ftp:/usr/sbin/nologin\n");
        Path pure = Files.createDirectories(directory.resolve("etc-pure-ftpd"));
        Files.createDirectories(pure.resolve("192.0.2.1"));
        Files.createDirectories(pure.resolve("2001:db8::1"));
        Files.createDirectories(pure.resolve("db"));
        Path conf = Files.writeString(pure.resolve("pure-ftpd.conf"), "# anonymous FTP with virtual hosts\n"
                + "NoAnonymous                 no\n");

        Result result = run(conf.toString());

        assertEquals(0, result.exitCode(), result.out());
        assertEquals(Map.of("anonymous.enabled", "true", "anonymous.root", "/srv/ftp",
                "anonymous.virtual.hosts", pure.toString()), cfgFiles().get("dev.wharf.security.cfg"));
        assertTrue(result.out().contains("Virtual hosts 192.0.2.1, 2001:db8::1 in " + pure), result.out());
    }

    @Test
    void noTruncateMeansAtomicUploadsAndWithoutItCutUploadsStayResumable() throws IOException {
        Path atomic = conf("atomic.conf", "# uploads to a temporary file, renamed when complete", "NoTruncate yes");
        Result result = run("--etc", etc.toString(), atomic.toString());
        assertEquals(0, result.exitCode(), result.out());
        assertEquals(Map.of("upload.mode", "atomic"), cfgFiles().get("dev.wharf.listener-main.cfg"));
        assertEquals("dev.wharf.listener-main.cfg: upload.mode = atomic (an upload shows under its name only when "
                + "complete; a cut one leaves nothing)", result.line("atomic.conf:2"));
        assertFalse(result.out().contains("NoTruncate: Pure-FTPd wrote uploads in place"), result.out());

        Path etcNo = Files.createDirectories(directory.resolve("etc-no"));
        Path inPlace = conf("in-place.conf", "NoTruncate no");
        Result no = run("--etc", etcNo.toString(), inPlace.toString());
        assertEquals(0, no.exitCode(), no.out());
        assertEquals("atomic-resume", properties(etcNo.resolve("dev.wharf.listener-main.cfg")).get("upload.mode"));
        assertTrue(no.line("in-place.conf:1").startsWith("dev.wharf.listener-main.cfg: upload.mode = atomic-resume "
                + "(Pure-FTPd wrote uploads in place"), no.out());

        Path etcAbsent = Files.createDirectories(directory.resolve("etc-absent"));
        Result absent = run("--etc", etcAbsent.toString(), conf("plain.conf", "MaxClientsNumber 5").toString());
        assertEquals(0, absent.exitCode(), absent.out());
        assertEquals(Map.of("max.clients", "5", "upload.mode", "atomic-resume"),
                properties(etcAbsent.resolve("dev.wharf.listener-main.cfg")));
        assertTrue(absent.out().contains("NoTruncate: Pure-FTPd wrote uploads in place (a cut upload stayed visible "
                + "and could be resumed); Wharf shows a file only when complete and keeps a cut upload hidden for "
                + "resuming (upload.mode = atomic-resume in dev.wharf.listener-main.cfg; direct for Pure-FTPd's "
                + "way)"), absent.out());
    }

    @Test
    void theDirectoryAliasFileBesideTheConfigurationIsRead() throws IOException {
        Path pure = Files.createDirectories(directory.resolve("etc-pure-ftpd"));
        Path aliases = Files.writeString(pure.resolve("pureftpd-dir-aliases"), "pub\n/srv/ftp/pub\n");
        Path conf = Files.writeString(pure.resolve("pure-ftpd.conf"), "NoTruncate yes\n");

        Result result = run(conf.toString());

        assertEquals(0, result.exitCode(), result.out());
        assertEquals(Map.of("upload.mode", "atomic", "dir.aliases.file", aliases.toString()),
                cfgFiles().get("dev.wharf.listener-main.cfg"));
        assertTrue(result.out().contains("Directory aliases: " + aliases + " (CWD to an alias name, SITE ALIAS) is "
                + "read at each login"), result.out());

        Files.delete(aliases);
        Path etcWithout = Files.createDirectories(directory.resolve("etc-without"));
        run("--etc", etcWithout.toString(), conf.toString());
        assertEquals(Map.of("upload.mode", "atomic"), properties(etcWithout.resolve("dev.wharf.listener-main.cfg")),
                "no alias file, no setting");
    }

    @Test
    void bindIsAPortWithoutAComma() throws IOException {
        Result portOnly = run(conf("port.conf", "Bind 2100", "IPV6Only yes").toString());
        assertEquals(Map.of("port", "2100", "bind", "::", "upload.mode", "atomic-resume"),
                cfgFiles().get("dev.wharf.listener-main.cfg"));
        assertFalse(portOnly.out().contains("Bind: Pure-FTPd listened"), portOnly.out());

        Files.delete(etc.resolve("dev.wharf.listener-main.cfg"));
        Result addressOnly = run(conf("address.conf", "Bind 192.0.2.1,").toString());
        assertEquals(Map.of("bind", "192.0.2.1", "upload.mode", "atomic-resume"),
                cfgFiles().get("dev.wharf.listener-main.cfg"));
        assertTrue(addressOnly.out().contains("Bind: Pure-FTPd listened on port 21; Wharf's listener uses port 2121"),
                addressOnly.out());

        Files.delete(etc.resolve("dev.wharf.listener-main.cfg"));
        Result service = run(conf("service.conf", "Bind 127.0.0.1,ftp").toString());
        assertEquals(1, service.exitCode());
        assertEquals(List.of("Bind INVALID"), service.unmapped());
        assertTrue(service.out().contains("port 'ftp' is not a number 1-65535 (Wharf takes no service names)"));
    }

    @Test
    void noAnonymousNoWithoutAnFtpAccountKeepsAnonymousOff() throws IOException {
        Result result = run(conf("anon.conf", "NoAnonymous no", "MaxLoad 4").toString());

        assertEquals(0, result.exitCode(), result.out());
        assertEquals(Map.of("dev.wharf.listener-main.cfg", Map.of("upload.mode", "atomic-resume")), cfgFiles());
        assertTrue(result.line("anon.conf:1").startsWith("nothing to map: anonymous logins stay off: there is no "
                + "system account 'ftp'"), result.out());
        assertEquals("nothing to map: anonymous logins are off", result.line("anon.conf:2"));
    }

    @Test
    void malformedValuesAreReportedWithFileAndLineAndTheRestIsStillMapped() throws IOException {
        Path broken = conf("broken.conf", "MaxClientsNumber abc", "PassivePortRange 5000", "MaxClientsPerIP 3",
                "Frobnicate yes", "TLS 7", "NoRename perhaps", "= nothing", "Umask 999:022", "NoChmod yes");

        Result result = run(broken.toString());

        assertEquals(1, result.exitCode(), result.out());
        assertEquals(Map.of("dev.wharf.security.cfg", Map.of("max.per.ip", "3", "no.chmod", "true"),
                "dev.wharf.listener-main.cfg", Map.of("upload.mode", "atomic-resume")), cfgFiles());
        assertEquals(List.of("MaxClientsNumber INVALID", "PassivePortRange INVALID", "TLS INVALID",
                "NoRename INVALID", "= INVALID", "Umask INVALID", "Frobnicate UNKNOWN"), result.unmapped());
        assertTrue(result.out().contains("MaxClientsNumber (broken.conf:1): 'abc' is not a number 1-100000"),
                result.out());
        assertTrue(result.out().contains("PassivePortRange (broken.conf:2): expected two ports, e.g. 30000 50000"),
                result.out());
        assertTrue(result.out().contains("Frobnicate (broken.conf:4): unknown key"), result.out());
        assertTrue(result.out().contains("NoRename (broken.conf:6): 'perhaps' is not yes or no"), result.out());
    }

    @Test
    void anUnreadableOrBinaryInputStopsTheImportWithExitCode2AndWritesNothing() throws IOException {
        Map<String, String> before = snapshot(etc);

        Result missing = run(directory.resolve("nope.conf").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains(directory.resolve("nope.conf") + ": cannot read it: no such file"),
                missing.err());

        Path pdb = Files.write(directory.resolve("pureftpd.pdb"), new byte[] {'P', 'D', 'B', '2', '\n', 0, 1, 2});
        Result binary = run(pdb.toString());
        assertEquals(2, binary.exitCode());
        assertTrue(binary.err().contains(pdb + ":2: a NUL byte: this is not a text file"), binary.err());

        Path notUtf8 = Files.write(directory.resolve("latin1.conf"), "MaxClientsNumber 5\nFortunesFile /tmp/\u00e9\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        Result latin1 = run(notUtf8.toString());
        assertEquals(2, latin1.exitCode());
        assertTrue(latin1.err().contains(notUtf8 + ":2: not UTF-8 text"), latin1.err());

        Path unreadableInclude = conf("outer.conf", "MaxClientsNumber 5", "Include " + directory.resolve("sub"));
        Files.createDirectories(directory.resolve("sub"));
        Result include = run(unreadableInclude.toString());
        assertEquals(2, include.exitCode());
        assertTrue(include.err().contains(directory.resolve("sub") + ": cannot read it"), include.err());

        Path empty = Files.createDirectories(directory.resolve("empty-dir"));
        Result notPure = run(empty.toString());
        assertEquals(2, notPure.exitCode());
        assertTrue(notPure.err().contains("neither a pure-ftpd.conf nor a directory with Debian's conf/"));

        assertEquals(before, snapshot(etc), "nothing was written");
    }

    @Test
    void usageErrorsExitWith2() throws IOException {
        Path conf = conf("ok.conf", "MaxClientsNumber 5");
        assertEquals(2, run().exitCode());
        assertEquals(2, run("--bogus", conf.toString()).exitCode());
        assertEquals(2, run(conf.toString(), conf.toString()).exitCode());
        Result noValue = run(conf.toString(), "--etc");
        assertEquals(2, noValue.exitCode());
        assertTrue(noValue.err().startsWith("wharf import-conf: --etc needs a directory"), noValue.err());
        Result noEtc = run("--etc", directory.resolve("missing").toString(), conf.toString());
        assertEquals(2, noEtc.exitCode());
        assertTrue(noEtc.err().contains("is not a directory"), noEtc.err());
        Result help = run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().startsWith("usage: wharf import-conf [--dry-run] [--etc DIR] [--force]"));
    }

    @Test
    void anExistingCfgWithOtherValuesIsLeftAloneUnlessForced() throws IOException {
        Path security = etc.resolve("dev.wharf.security.cfg");
        String mine = "# my settings\nmax.per.ip = 10\nban.duration = 60\nno.rename = no\n";
        Files.writeString(security, mine);
        Path conf = conf("limits.conf", "MaxClientsPerIP 6", "NoRename no", "NoChmod yes", "NoAnonymous yes",
                "MaxClientsNumber 30");

        Result refused = run(conf.toString());
        assertEquals(1, refused.exitCode(), refused.out());
        assertEquals(mine, Files.readString(security), "not overwritten without --force");
        assertTrue(refused.out().contains("NOT WRITTEN dev.wharf.security.cfg: it exists with other values: "
                + "max.per.ip = 10 -> 6, no.chmod (not set) -> true, anonymous.enabled (not set) -> false; --force "
                + "changes them"), refused.out());
        assertEquals(Map.of("max.clients", "30", "upload.mode", "atomic-resume"),
                properties(etc.resolve("dev.wharf.listener-main.cfg")), "the other files are still written");
        assertTrue(refused.unmapped().isEmpty(), refused.out());

        Result forced = run("--force", conf.toString());
        assertEquals(0, forced.exitCode(), forced.out());
        assertEquals("# my settings\nmax.per.ip = 6\nban.duration = 60\nno.rename = no\n"
                + "# imported from Pure-FTPd's " + conf + " by bin/wharf import-conf\n"
                + "no.chmod = true\nanonymous.enabled = false\n", Files.readString(security),
                "only the imported keys change; comments and other keys stay");
        assertTrue(forced.out().contains("updated     dev.wharf.security.cfg (--force): max.per.ip = 10 -> 6"));

        Result again = run(conf.toString());
        assertEquals(0, again.exitCode(), again.out());
        assertTrue(again.out().contains("unchanged   dev.wharf.security.cfg (it has these values already)"));
    }

    @Test
    void dryRunPrintsTheFilesAndWritesNothing() throws IOException {
        Files.writeString(etc.resolve("dev.wharf.limits.cfg"), "quota.files = 5\n");
        Map<String, String> before = snapshot(etc);

        Result result = run("--dry-run", resource("pure-ftpd.conf").toString());

        assertEquals(1, result.exitCode(), result.out());
        assertEquals(before, snapshot(etc), "nothing was written");
        assertTrue(result.out().contains("(dry run: nothing is written)"));
        assertTrue(result.out().contains("  would write dev.wharf.listener-main.cfg (new)\n"
                + "      # Configuration dev.wharf.listener~main, imported from Pure-FTPd's "), result.out());
        assertTrue(result.out().contains("      passive.ports = 30000-30999\n"), result.out());
        assertTrue(result.out().contains("  would leave dev.wharf.limits.cfg: it exists with other values: "
                + "quota.files = 5 -> 1000, quota.size (not set) -> 10"), result.out());
        assertTrue(result.out().contains("would update features.properties: features = base, core, storage-local, "
                + "auth-passwd, tls, auth-mysql, tls-files, uploadscript"), result.out());
    }

    @Test
    void aFeatureThisWharfDoesNotHaveIsReportedAndNotAdded() throws IOException {
        Path features = Files.createDirectories(home.resolve("system/features"));
        for (String name : List.of("base", "core", "storage-local", "auth-passwd", "tls", "tls-files")) {
            Files.writeString(features.resolve(name + ".json"), "{}");
        }

        Result result = run(conf("hook.conf", "CallUploadScript yes", "CertFile /etc/ssl/private/ftp.pem").toString());

        assertEquals(1, result.exitCode(), result.out());
        assertEquals("base, core, storage-local, auth-passwd, tls, tls-files", features());
        assertEquals(Map.of("dev.wharf.tls.files.cfg", Map.of("files", "/etc/ssl/private/ftp.pem"),
                "dev.wharf.listener-main.cfg", Map.of("upload.mode", "atomic-resume")), cfgFiles());
        assertEquals(List.of("CallUploadScript DIFFERS"), result.unmapped());
        assertTrue(result.out().contains("needs feature 'uploadscript', which this Wharf does not have (no "
                + "system/features/uploadscript.json)"), result.out());
    }

    @Test
    void aMissingFeaturesFileIsCreatedFromTheDefaults() throws IOException {
        Files.delete(etc.resolve("features.properties"));

        Result result = run(conf("x.conf", "ExtCert /run/certd.sock", "TLS 3").toString());

        assertEquals(0, result.exitCode(), result.out());
        assertEquals("base, core, storage-local, auth-passwd, tls, tls-certd, tls-files", features());
        assertEquals(Map.of("dev.wharf.tls.certd.cfg", Map.of("socket", "/run/certd.sock"),
                "dev.wharf.tls.files.cfg", Map.of("files", "/etc/ssl/private/pure-ftpd.pem"),
                "dev.wharf.listener-main.cfg", Map.of("tls", "3", "upload.mode", "atomic-resume")), cfgFiles());
    }
}
