package dev.wharf.auth.ldap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.util.ssl.KeyStoreKeyManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.core.server.EmbeddedServer;
import dev.wharf.core.server.TcpProxy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPConnectionClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LDAP backend against UnboundID's in-memory directory server on loopback, through a real FTP listener. */
class LdapAuthBackendTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 21);
    private static final String BASE = "dc=example,dc=org";
    private static final String STORE_PASSWORD = "changeit";

    @TempDir
    Path temp;

    private InMemoryDirectoryServer directory;
    private int ldapPort;
    private int ldapsPort;
    private Path keyStore;
    private final List<LdapAuthBackend> backends = new ArrayList<>();

    @BeforeEach
    void startDirectory() throws Exception {
        keyStore = temp.resolve("ldap.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "ldap", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, output);

        ldapPort = freePort();
        ldapsPort = freePort();
        SSLUtil serverSsl = new SSLUtil(new KeyStoreKeyManager(keyStore.toFile(), STORE_PASSWORD.toCharArray()),
                new TrustAllTrustManager());
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.setSchema(null); // the pureftpd schema attributes (FTPStatus, FTPQuotaFiles, ...) without its file
        config.addAdditionalBindCredentials("cn=reader", "reader-pw");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        config.setListenerConfigs(
                InMemoryListenerConfig.createLDAPConfig("ldap", loopback, ldapPort, serverSsl.createSSLSocketFactory()),
                InMemoryListenerConfig.createLDAPSConfig("ldaps", loopback, ldapsPort,
                        serverSsl.createSSLServerSocketFactory(), null));
        directory = new InMemoryDirectoryServer(config);
        directory.add("dn: " + BASE, "objectClass: top", "objectClass: domain", "dc: example");
        directory.add("dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people");
        directory.add("dn: ou=more," + BASE, "objectClass: organizationalUnit", "ou: more");
        String home = temp.resolve("ftp").toString();
        directory.add("dn: uid=ann,ou=people," + BASE, "objectClass: posixAccount", "objectClass: PureFTPdUser",
                "uid: ann", "userPassword: ann-pw", "uidNumber: 1500", "gidNumber: 1500", "FTPuid: 1501",
                "FTPgid: 1502", "homeDirectory: " + home + "/./ann", "FTPStatus: enabled", "FTPQuotaFiles: 10",
                "FTPQuotaMBytes: 5", "FTPUploadBandwidth: 100", "FTPDownloadBandwidth: 200", "FTPUploadRatio: 3",
                "FTPDownloadRatio: 4", "wharfStorage: s3", "wharfBucket: ann-files", "wharfGroup: 4001",
                "wharfGroup: 4003");
        directory.add("dn: cn=devs,ou=more," + BASE, "objectClass: posixGroup", "cn: devs", "gidNumber: 4002",
                "memberUid: ann", "memberUid: ben");
        directory.add("dn: uid=ben,ou=people," + BASE, "objectClass: posixAccount", "uid: ben",
                "userPassword: {SSHA}" + ssha("ben-pw"), "uidNumber: 1600", "gidNumber: 1600",
                "homeDirectory: " + home + "/ben");
        directory.add("dn: uid=off,ou=people," + BASE, "objectClass: posixAccount", "uid: off",
                "userPassword: off-pw", "uidNumber: 1700", "gidNumber: 1700", "homeDirectory: " + home + "/off",
                "FTPStatus: disabled");
        directory.add("dn: uid=rooty,ou=people," + BASE, "objectClass: posixAccount", "uid: rooty",
                "userPassword: rooty-pw", "uidNumber: 0", "gidNumber: 0", "homeDirectory: " + home + "/rooty");
        for (String ou : new String[] {"people", "more"}) {
            directory.add("dn: cn=twin,ou=" + ou + "," + BASE, "objectClass: posixAccount", "uid: twin",
                    "userPassword: twin-pw", "uidNumber: 1800", "gidNumber: 1800", "homeDirectory: " + home);
        }
        directory.startListening();
    }

    @AfterEach
    void stopDirectory() {
        backends.forEach(LdapAuthBackend::close);
        if (directory != null) {
            directory.shutDown(true);
        }
    }

    private static String ssha(String password) throws Exception {
        byte[] salt = {9, 8, 7, 6};
        MessageDigest sha = MessageDigest.getInstance("SHA-1");
        sha.update(password.getBytes(StandardCharsets.UTF_8));
        sha.update(salt);
        byte[] digest = sha.digest();
        byte[] both = Arrays.copyOf(digest, digest.length + salt.length);
        System.arraycopy(salt, 0, both, digest.length, salt.length);
        return Base64.getEncoder().encodeToString(both);
    }

    /** A pureftpd-ldap.conf as an admin migrating from Pure-FTPd has it, plus keys given in the cfg. */
    private LdapAuthBackend backend(Map<String, String> keys, String truststore, int timeoutSeconds)
            throws Exception {
        Path file = temp.resolve("pureftpd-ldap.conf");
        Files.writeString(file, "# migrated\nLDAPServer 127.0.0.1\nLDAPBaseDN " + BASE + "\nLDAPPort " + ldapPort
                + "\nLDAPFilter (&(objectClass=posixAccount)(uid=\\L))\n");
        LdapAuthComponent.Config config = new LdapAuthComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return LdapAuthComponent.Config.class;
            }

            @Override
            public String config_file() {
                return file.toString();
            }

            @Override
            public int pool_size() {
                return 4;
            }

            @Override
            public int timeout_seconds() {
                return timeoutSeconds;
            }

            @Override
            public String tls_truststore() {
                return truststore;
            }

            @Override
            public String tls_truststore_password() {
                return truststore.isEmpty() ? "" : STORE_PASSWORD;
            }
        };
        LdapAuthBackend backend = LdapAuthComponent.create(config, keys, temp.toString(),
                new dev.wharf.crypt.PasswordChecker());
        backends.add(backend);
        return backend;
    }

    private static AuthResult login(LdapAuthBackend backend, String user, String password) {
        return backend.authenticate(new LoginRequest(user, password, CLIENT, SERVER, false));
    }

    @Test
    void mappedAttributesAndGroupsFromTheEntryAndFromPosixGroupsReachTheAccount() throws Exception {
        LdapAuthBackend ldap = backend(Map.of("LDAPBindDN", "cn=reader", "LDAPBindPW", "reader-pw",
                "LDAPAttribute", "storage=wharfStorage, storage.bucket=wharfBucket",
                "LDAPGroupAttribute", "wharfGroup",
                "LDAPGroupFilter", "(&(objectClass=posixGroup)(memberUid=\\L))"), "", 5);
        Account ann = assertInstanceOf(AuthResult.Accepted.class, login(ldap, "ann", "ann-pw")).account();
        assertEquals(Map.of("storage", "s3", "storage.bucket", "ann-files"), ann.attributes());
        assertEquals("[4001, 4002, 4003]", Arrays.toString(ann.groups()));
        Account ben = assertInstanceOf(AuthResult.Accepted.class, login(ldap, "ben", "ben-pw")).account();
        assertEquals(Map.of(), ben.attributes(), "unmapped or missing attributes are simply absent");
        assertEquals("[4002]", Arrays.toString(ben.groups()));

        LdapAuthBackend plain = backend(Map.of("LDAPBindDN", "cn=reader", "LDAPBindPW", "reader-pw"), "", 5);
        Account annPlain = assertInstanceOf(AuthResult.Accepted.class, login(plain, "ann", "ann-pw")).account();
        assertEquals(0, annPlain.groups().length, "without the keys nothing is looked up");
        assertEquals(Map.of(), annPlain.attributes());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> backend(Map.of("LDAPAttribute", "storage"), "", 5));
        assertTrue(String.valueOf(bad.getMessage()).contains("LDAPAttribute"), bad.getMessage());
    }

    @Test
    void passwordMethodReadsEveryPureFtpdAttributeAndServesTheHome() throws Exception {
        LdapAuthBackend ldap = backend(Map.of("LDAPBindDN", "cn=reader", "LDAPBindPW", "reader-pw"), "", 5);
        Account ann = assertInstanceOf(AuthResult.Accepted.class, login(ldap, "ann", "ann-pw")).account();
        assertEquals(temp.resolve("ftp") + "/./ann", ann.home());
        assertEquals(1501, ann.uid(), "FTPuid wins over uidNumber");
        assertEquals(1502, ann.gid(), "FTPgid wins over gidNumber");
        assertEquals(new AccountLimits(10, 5L * 1024 * 1024, 100L * 1024, 200L * 1024, 3, 4, 0), ann.limits());
        Account ben = assertInstanceOf(AuthResult.Accepted.class, login(ldap, "ben", "ben-pw")).account();
        assertEquals(1600, ben.uid());
        assertEquals(AccountLimits.NONE, ben.limits());

        assertInstanceOf(AuthResult.Rejected.class, login(ldap, "ben", "ann-pw"));
        assertInstanceOf(AuthResult.Unknown.class, login(ldap, "nobody", "x"));
        assertInstanceOf(AuthResult.Rejected.class, login(ldap, "off", "off-pw"), "FTPStatus disabled");
        assertInstanceOf(AuthResult.Rejected.class, login(ldap, "rooty", "rooty-pw"), "uid 0");
        assertInstanceOf(AuthResult.Rejected.class, login(ldap, "twin", "twin-pw"), "two entries are ambiguous");

        Files.createDirectories(temp.resolve("ftp/ann"));
        try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(ldap, "ldap", 0)) {
            FTPClient client = server.login("ann", "ann-pw");
            assertEquals("/ann", client.printWorkingDirectory());
            assertTrue(client.storeFile("note.txt", new ByteArrayInputStream("from ldap".getBytes())));
            client.logout();
            client.disconnect();
            assertEquals("from ldap", Files.readString(temp.resolve("ftp/ann/note.txt")));
            assertEquals(530, loginReply(server, "ann", "wrong"));
        }
    }

    @Test
    void bindMethodBindsAsTheUsersEntry() throws Exception {
        // no LDAPBindDN: anonymous search, then BIND as the user (Pure-FTPd's default in that case)
        LdapAuthBackend ldap = backend(Map.of(), "", 5);
        assertInstanceOf(AuthResult.Accepted.class, login(ldap, "ann", "ann-pw"));
        assertInstanceOf(AuthResult.Rejected.class, login(ldap, "ann", "ann-pw2"));
        assertInstanceOf(AuthResult.Rejected.class, login(ldap, "ann", ""), "never an anonymous bind");
        assertInstanceOf(AuthResult.Accepted.class, login(ldap, "ann", "ann-pw"),
                "the pooled connection went back to the service identity");
    }

    @Test
    void injectionInTheUserNameFindsNobody() throws Exception {
        LdapAuthBackend ldap = backend(Map.of("LDAPBindDN", "cn=reader", "LDAPBindPW", "reader-pw"), "", 5);
        try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(ldap, "ldap", 0)) {
            for (String attack : new String[] {"*", "ann*", "*)(uid=*", "ann)(|(uid=*", "ann\\2a"}) {
                assertInstanceOf(AuthResult.Unknown.class, login(ldap, attack, "ann-pw"), attack);
                assertEquals(530, loginReply(server, attack, "ann-pw"), attack);
            }
        }
        // the escaping itself, for names the alphabet check would let through
        var filter = LdapAuthBackend.userFilter("(&(objectClass=posixAccount)(uid=\\L))", "*)(uid=*");
        assertEquals("(&(objectClass=posixAccount)(uid=\\2a\\29\\28uid=\\2a))", filter.toString());
        assertEquals(0, directory.search(BASE, SearchScope.SUB, filter).getEntryCount());
        assertEquals(1, directory.search(BASE, SearchScope.SUB,
                LdapAuthBackend.userFilter("(uid=\\L)", "ann")).getEntryCount());
    }

    @Test
    void ldapsAndStartTlsWithAVerifiedCertificate() throws Exception {
        String trust = keyStore.toString();
        LdapAuthBackend ldaps = backend(Map.of("LDAPScheme", "ldaps", "LDAPPort", Integer.toString(ldapsPort),
                "LDAPBindDN", "cn=reader", "LDAPBindPW", "reader-pw"), trust, 5);
        assertInstanceOf(AuthResult.Accepted.class, login(ldaps, "ann", "ann-pw"));
        LdapAuthBackend startTls = backend(Map.of("LDAPUseTLS", "True", "LDAPBindDN", "cn=reader", "LDAPBindPW",
                "reader-pw"), trust, 5);
        assertInstanceOf(AuthResult.Accepted.class, login(startTls, "ann", "ann-pw"));
        // without the trust store the self-signed certificate is refused: no login over unverified TLS
        LdapAuthBackend untrusted = backend(Map.of("LDAPUseTLS", "True"), "", 5);
        assertInstanceOf(AuthResult.Unavailable.class, login(untrusted, "ann", "ann-pw"));
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void theHealthCheckSaysWhetherTheDirectoryAnswers() throws Exception {
        LdapAuthBackend ldap = backend(Map.of("LDAPBindDN", "cn=reader", "LDAPBindPW", "reader-pw"), "", 2);
        dev.wharf.api.health.HealthCheck.Result up = ldap.reachable();
        assertTrue(up.ok(), up.detail());
        assertTrue(up.detail().startsWith(ldap + " reachable ("), up.detail());
        directory.shutDown(true);
        try {
            long started = System.nanoTime();
            dev.wharf.api.health.HealthCheck.Result down = ldap.reachable();
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(!down.ok(), down.detail());
            assertTrue(down.detail().startsWith(ldap + " unreachable: "), down.detail());
            assertTrue(millis < 8_000, "answered within the timeout: " + millis + " ms");
        } finally {
            directory.startListening();
        }
        dev.wharf.api.health.HealthCheck.Result back = ldap.reachable();
        assertTrue(back.ok(), "the directory is back: " + back.detail());
    }

    @Test
    void directoryStoppedAndRestartedDuringALoginLoop() throws Exception {
        LdapAuthBackend ldap = backend(Map.of("LDAPBindDN", "cn=reader", "LDAPBindPW", "reader-pw"), "", 2);
        try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(ldap, "ldap", 0)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(230, loginReply(server, "ann", "ann-pw"));
            }
            directory.shutDown(true); // stops listening and closes every open connection, as a server stop does
            try {
                for (int i = 0; i < 3; i++) {
                    long started = System.nanoTime();
                    assertEquals(421, loginReply(server, "ann", "ann-pw"), "while the directory is down");
                    long millis = (System.nanoTime() - started) / 1_000_000;
                    assertTrue(millis < 8_000, "421 after " + millis + " ms");
                }
            } finally {
                directory.startListening();
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(230, loginReply(server, "ann", "ann-pw"), "after the directory came back");
            }
        }
    }

    @Test
    void hungDirectoryGives421WithinTheTimeout() throws Exception {
        try (TcpProxy proxy = new TcpProxy(ldapPort)) {
            LdapAuthBackend ldap = backend(Map.of("LDAPPort", Integer.toString(proxy.port()), "LDAPBindDN",
                    "cn=reader", "LDAPBindPW", "reader-pw"), "", 1);
            try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(ldap, "ldap", 0)) {
                assertEquals(230, loginReply(server, "ann", "ann-pw"));
                proxy.blackHole();
                long started = System.nanoTime();
                assertEquals(421, loginReply(server, "ann", "ann-pw"));
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(millis < 8_000, "421 after " + millis + " ms");
                proxy.restore();
                assertEquals(230, loginReply(server, "ann", "ann-pw"));
            }
        }
    }

    @Test
    void configurationErrorsAreClear() throws Exception {
        var missingBase = assertThrows(LdapSettings.BadSettingsException.class,
                () -> LdapSettings.load(null, Map.of("LDAPServer", "h")));
        assertTrue(missingBase.getMessage().contains("LDAPBaseDN"), missingBase.getMessage());
        Path file = temp.resolve("bad.conf");
        Files.writeString(file, "LDAPBaseDN dc=x\nLDAPFrob 1\n");
        var unknown = assertThrows(LdapSettings.BadSettingsException.class, () -> LdapSettings.load(file, Map.of()));
        assertTrue(unknown.getMessage().contains("line 2"), unknown.getMessage());
        Map<String, String> keys = new HashMap<>(Map.of("LDAPBaseDN", "dc=x"));
        LdapSettings defaults = LdapSettings.load(null, keys);
        assertEquals(389, defaults.port);
        assertEquals(LdapSettings.AuthMethod.BIND, defaults.authMethod);
        keys.put("LDAPBindDN", "cn=a");
        assertEquals(LdapSettings.AuthMethod.PASSWORD, LdapSettings.load(null, keys).authMethod);
    }

    static int loginReply(EmbeddedServer server, String user, String password) throws IOException {
        FTPClient client = server.connect();
        try {
            client.user(user);
            return client.pass(password);
        } catch (FTPConnectionClosedException closed) {
            if (closed.getMessage() != null && closed.getMessage().contains("421")) {
                return 421;
            }
            throw closed;
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
