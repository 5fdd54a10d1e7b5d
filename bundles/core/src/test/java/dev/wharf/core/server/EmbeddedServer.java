package dev.wharf.core.server;

import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.storage.StorageProvider;
import dev.wharf.api.tls.CertificateProvider;
import dev.wharf.core.security.SecurityPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;

/**
 * A real Wharf listener on a loopback port for the tests of backend bundles (published in the core's test-jar):
 * register the backend under test, log in with a real client, look at the files. Every account is served from
 * its own {@code rootDirectory()} on the local disk; the listener has a test certificate for FTPS.
 */
public final class EmbeddedServer implements AutoCloseable {

    private final ServiceDirectory services = new ServiceDirectory();
    final dev.wharf.core.session.SessionRuntime runtime = new dev.wharf.core.session.SessionRuntime();
    private final SecurityPolicy security = new SecurityPolicy();
    private final dev.wharf.core.limits.LimitPolicy limits = new dev.wharf.core.limits.LimitPolicy();
    private final dev.wharf.core.activity.ServerActivity activity = new dev.wharf.core.activity.ServerActivity();
    private final FtpListener listener;
    private int nextServiceId = 1;

    /**
     * @param listenerSettings listener keys ({@code auth.order}, {@code tls}, ...); keys starting with
     *                         {@code security.} go to the security policy and {@code limits.} to the limits,
     *                         without the prefix
     */
    public EmbeddedServer(Map<String, ?> listenerSettings) throws IOException {
        services.addStorageProvider(TestServer.localStorage("server"),
                properties(StorageProvider.NAME_PROPERTY, "embedded-storage", 0));
        dev.wharf.api.tls.KeyMaterial certificate = TestCertificates.localhost();
        services.addCertificateProvider(serverName -> Optional.of(certificate),
                properties(CertificateProvider.NAME_PROPERTY, "embedded-certificate", -10_000));
        Map<String, Object> settings = new HashMap<>(Map.of("service.pid", "dev.wharf.listener~embedded",
                "bind", "127.0.0.1", "port", "0", "idle.timeout", "30", "data.timeout", "10"));
        listenerSettings.forEach((key, value) -> {
            if (!key.startsWith("security.") && !key.startsWith("limits.")) {
                settings.put(key, value);
            }
        });
        security.configure(TestServer.withPrefix(listenerSettings, "security."));
        limits.configure(TestServer.withPrefix(listenerSettings, "limits."));
        activity.setTransferLog(new dev.wharf.core.activity.TransferLog());
        listener = new FtpListener(runtime, services, security, limits, activity, settings);
    }

    public EmbeddedServer() throws IOException {
        this(Map.of());
    }

    /** Adds a backend to the login chain, as SCR would on registration. */
    public EmbeddedServer addAuthBackend(AuthBackend backend, String name, int ranking) {
        services.addAuthBackend(backend, properties(AuthBackend.NAME_PROPERTY, name, ranking));
        return this;
    }

    /** Takes a backend out of the chain, as SCR would on unregistration; sessions keep their accounts. */
    public EmbeddedServer removeAuthBackend(AuthBackend backend) {
        services.removeAuthBackend(backend);
        return this;
    }

    /**
     * Adds a storage provider, as SCR would on registration; the highest-ranked one serves accounts (the local
     * storage the server starts with has ranking 0).
     */
    public EmbeddedServer addStorageProvider(StorageProvider provider, String name, int ranking) {
        services.addStorageProvider(provider, properties(StorageProvider.NAME_PROPERTY, name, ranking));
        return this;
    }

    public EmbeddedServer addCertificateProvider(CertificateProvider provider, String name, int ranking) {
        services.addCertificateProvider(provider, properties(CertificateProvider.NAME_PROPERTY, name, ranking));
        return this;
    }

    /** Adds an upload hook, as SCR would on registration; hooks are called after each upload ends. */
    public EmbeddedServer addUploadHook(dev.wharf.api.hook.UploadHook hook, String name) {
        services.addUploadHook(hook, properties("component.name", name, 0));
        return this;
    }

    /** The server's sessions and counters ({@code wharf:who}, {@code wharf:stats}). */
    public dev.wharf.core.activity.ServerActivity activity() {
        return activity;
    }

    public EmbeddedServer removeCertificateProvider(CertificateProvider provider) {
        services.removeCertificateProvider(provider);
        return this;
    }

    public int port() {
        return listener.port();
    }

    /** A client connected to the listener, greeting read, not logged in. */
    public FTPClient connect() throws IOException {
        FTPClient client = new FTPClient();
        client.setConnectTimeout(10_000);
        client.setDefaultTimeout(30_000);
        client.setControlEncoding("UTF-8");
        client.connect("127.0.0.1", port());
        if (!FTPReply.isPositiveCompletion(client.getReplyCode())) {
            throw new IOException("greeting was " + client.getReplyString());
        }
        client.setSoTimeout(30_000);
        return client;
    }

    /** A client logged in (passive, binary), or an exception carrying the server's reply. */
    public FTPClient login(String user, String password) throws IOException {
        FTPClient client = connect();
        if (!client.login(user, password)) {
            String reply = client.getReplyString();
            client.disconnect();
            throw new IOException("login of " + user + " failed: " + reply.strip());
        }
        client.enterLocalPassiveMode();
        client.setFileType(FTP.BINARY_FILE_TYPE);
        return client;
    }

    private Map<String, Object> properties(String nameProperty, String name, int ranking) {
        return Map.of(nameProperty, name, "service.ranking", ranking, "service.id", (long) nextServiceId++);
    }

    @Override
    public void close() {
        listener.deactivate(6);
        runtime.stop();
        services.deactivate();
    }
}
