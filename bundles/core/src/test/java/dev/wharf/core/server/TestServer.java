package dev.wharf.core.server;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageProvider;
import dev.wharf.storage.local.LocalStorageProvider;
import dev.wharf.core.security.SecurityPolicy;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;

/**
 * A real listener on a loopback port with backends registered the way SCR would, for protocol tests without a
 * framework. Users live in a map; every account's root is {@code <base>/<user>}. Settings starting with
 * {@code security.} go to the {@link SecurityPolicy}, {@code limits.} to the limits and {@code transferlog.} to the
 * transfer log (each without the prefix), the others to the listener.
 */
final class TestServer implements AutoCloseable {

    final ServiceDirectory services = new ServiceDirectory();
    final dev.wharf.core.session.SessionRuntime runtime = new dev.wharf.core.session.SessionRuntime();
    final SecurityPolicy security = new SecurityPolicy();
    final dev.wharf.core.limits.LimitPolicy limits = new dev.wharf.core.limits.LimitPolicy();
    final dev.wharf.core.activity.TransferLog transferLog = new dev.wharf.core.activity.TransferLog();
    final dev.wharf.core.activity.ServerActivity activity = new dev.wharf.core.activity.ServerActivity();
    final Path base;
    final Map<String, String> passwords = new HashMap<>();
    final FtpListener listener;

    TestServer(Path base) throws IOException {
        this(base, Map.of());
    }

    TestServer(Path base, Map<String, Object> extraSettings) throws IOException {
        this.base = Files.createDirectories(base).toRealPath();
        passwords.put("alice", "wonderland");
        Files.createDirectories(this.base.resolve("alice"));
        services.addAuthBackend(this::authenticate, properties("test-users", 0));
        services.addStorageProvider(localStorage(String.valueOf(extraSettings.getOrDefault(
                "storage.account.identity", "server"))), properties("test-storage", 0));
        Map<String, Object> settings = new HashMap<>(Map.of("service.pid", "dev.wharf.listener~test",
                "bind", "127.0.0.1", "port", "0", "idle.timeout", "30", "data.timeout", "10"));
        settings.putAll(extraSettings);
        dev.wharf.api.tls.KeyMaterial certificate = TestCertificates.localhost();
        services.addCertificateProvider(serverName -> java.util.Optional.of(certificate),
                properties("test-certificate", 0));
        // failed CWDs are not slowed down unless a test asks for it: several tests probe many bad paths in a row
        Map<String, Object> securitySettings = new HashMap<>(Map.of("cwd.failure.delay", "0"));
        securitySettings.putAll(withPrefix(extraSettings, "security."));
        security.configure(securitySettings);
        limits.configure(withPrefix(extraSettings, "limits."));
        // no transfer log unless a test asks for one (the server's default writes var/log/xferlog)
        Map<String, Object> transferLogSettings = new HashMap<>(Map.of("format", "none"));
        transferLogSettings.putAll(withPrefix(extraSettings, "transferlog."));
        transferLog.configure(transferLogSettings);
        activity.setTransferLog(transferLog);
        settings.keySet().removeIf(key -> key.startsWith("security.") || key.startsWith("limits.")
                || key.startsWith("transferlog.") || key.startsWith("storage."));
        listener = new FtpListener(runtime, services, security, limits, activity, settings);
    }

    /** The local storage; see {@link dev.wharf.core.fs.ServiceUserStorage#provider(String)}. */
    static LocalStorageProvider localStorage(String identity) {
        return dev.wharf.core.fs.ServiceUserStorage.provider(identity);
    }

    /** The entries whose keys start with {@code prefix}, with the prefix taken off. */
    static Map<String, Object> withPrefix(Map<String, ?> settings, String prefix) {
        Map<String, Object> selected = new HashMap<>();
        settings.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                selected.put(key.substring(prefix.length()), value);
            }
        });
        return selected;
    }

    private AuthResult authenticate(dev.wharf.api.auth.LoginRequest request) {
        String expected = passwords.get(request.user());
        if (expected == null) {
            return AuthResult.unknown();
        }
        if (!expected.equals(request.password())) {
            return AuthResult.rejected("wrong password");
        }
        return AuthResult.accepted(account(request.user()));
    }

    /** Per-account limits as a backend would return them; accounts not listed have none. */
    final Map<String, AccountLimits> accountLimits = new java.util.concurrent.ConcurrentHashMap<>();

    /** Accounts' uid and gid when not 1000:1000. */
    final Map<String, int[]> ids = new java.util.concurrent.ConcurrentHashMap<>();

    /** Accounts' attributes (e.g. {@code storage}, {@code folder.*}) as a backend would give them. */
    final Map<String, Map<String, String>> attributes = new java.util.concurrent.ConcurrentHashMap<>();

    /** Accounts' supplementary groups as a backend would give them. */
    final Map<String, int[]> groups = new java.util.concurrent.ConcurrentHashMap<>();

    Account account(String user) {
        int[] id = ids.getOrDefault(user, new int[] {1000, 1000});
        return new Account(user, base.resolve(user).toString(), id[0], id[1],
                accountLimits.getOrDefault(user, AccountLimits.NONE), groups.get(user),
                attributes.getOrDefault(user, Map.of()));
    }

    /** Adds an account with its own home directory. */
    void addUser(String user, String password) throws IOException {
        passwords.put(user, password);
        Files.createDirectories(base.resolve(user));
    }

    /** A client logged in as {@code user}, passive and binary. */
    FTPClient loggedInAs(String user) throws IOException {
        FTPClient client = connect();
        if (!client.login(user, passwords.get(user))) {
            throw new IOException("login failed: " + client.getReplyString());
        }
        client.enterLocalPassiveMode();
        client.setFileType(FTP.BINARY_FILE_TYPE);
        return client;
    }

    Path home(String user) {
        return base.resolve(user);
    }

    /**
     * A file's bytes as a provider holds them for an account (or virtual folder) rooted at {@code root} that names
     * it as {@code storage}, read through the storage API; null when there is no such file.
     */
    static byte[] storedContent(StorageProvider provider, String storage, String root, String path)
            throws IOException {
        Account account = new Account("reader", root, 1000, 1000, AccountLimits.NONE)
                .withAttributes(Map.of(StorageProvider.ACCOUNT_ATTRIBUTE, storage));
        try (Storage opened = provider.open(account, Identity.of(account));
             ReadFile file = opened.openRead(path)) {
            return Channels.newInputStream(file.channel()).readAllBytes();
        } catch (NoSuchFileException missing) {
            return null;
        }
    }

    static Map<String, Object> properties(String name, int ranking) {
        return Map.of(AuthBackend.NAME_PROPERTY, name, StorageProvider.NAME_PROPERTY, name,
                "service.ranking", ranking, "service.id", (long) name.hashCode());
    }

    int port() {
        return listener.port();
    }

    /** A connected client, not logged in. */
    FTPClient connect() throws IOException {
        return connect("127.0.0.1");
    }

    FTPClient connect(String host) throws IOException {
        FTPClient client = new FTPClient();
        client.setConnectTimeout(10_000);
        client.setDefaultTimeout(30_000);
        client.setControlEncoding("UTF-8");
        client.connect(host, port());
        if (!FTPReply.isPositiveCompletion(client.getReplyCode())) {
            throw new IOException("greeting was " + client.getReplyString());
        }
        client.setSoTimeout(30_000);
        return client;
    }

    /** A client logged in as alice, passive and binary. */
    FTPClient loggedIn() throws IOException {
        return loggedIn("127.0.0.1");
    }

    FTPClient loggedIn(String host) throws IOException {
        FTPClient client = connect(host);
        if (!client.login("alice", "wonderland")) {
            throw new IOException("login failed: " + client.getReplyString());
        }
        client.enterLocalPassiveMode();
        client.setFileType(FTP.BINARY_FILE_TYPE);
        return client;
    }

    @Override
    public void close() {
        listener.deactivate(6);
        runtime.stop();
        services.deactivate();
    }
}
