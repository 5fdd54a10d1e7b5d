package dev.wharf.core.command;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthBusyException;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.api.storage.StorageProvider;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.Storage;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.fs.MountedStorage;
import dev.wharf.core.fs.VirtualFolders;
import dev.wharf.core.security.SecuritySettings;
import dev.wharf.core.server.ServiceDirectory.Tracked;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** USER, PASS and QUIT: the login flow through the auth-backend chain. */
final class LoginCommands {

    private static final Logger LOG = LoggerFactory.getLogger(LoginCommands.class);
    /** How long a login waits for an auth backend to appear before it gets 421. */
    private static final long NO_BACKEND_WAIT_MILLIS = 2000;
    private static final int MAX_USER_LENGTH = 127;
    private static final int MAX_PASSWORD_LENGTH = 511;
    private static final java.util.Set<String> ANONYMOUS_NAMES = java.util.Set.of("anonymous", "ftp");

    private LoginCommands() {
    }

    /** Host names HOST accepts: DNS names, or an address in brackets (RFC 7151); never a path. */
    private static final java.util.regex.Pattern HOST_NAME =
            java.util.regex.Pattern.compile("[a-z0-9]([a-z0-9-]{0,62})(\\.[a-z0-9]([a-z0-9-]{0,62}))*|[0-9a-f.]*:[0-9a-f:.]*");

    /**
     * HOST (RFC 7151): chooses the virtual host before USER. With {@code anonymous.virtual.hosts} set, a host is
     * a subdirectory of it and unknown names get 504; without, the one host answers to every name.
     */
    static void host(FtpSession session, String argument) throws IOException {
        if (session.isLoggedIn() || session.pendingUser() != null) {
            session.control().reply(503, "HOST must come before USER");
            return;
        }
        String name = argument.strip().toLowerCase(java.util.Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (!HOST_NAME.matcher(name).matches() || name.contains("..") || name.length() > 253) {
            session.control().reply(501, "Invalid host name");
            return;
        }
        String hosts = session.security().settings().anonymousVirtualHosts();
        if (!hosts.isEmpty() && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(
                session.security().expandHome(hosts), name))) {
            session.control().reply(504, "Unknown host " + name);
            return;
        }
        session.virtualHost(name);
        session.control().reply(220, "Host " + name + " selected");
    }

    /** The anonymous root: the virtual host's (chosen by HOST, else the local address's) when it has one. */
    private static String anonymousRoot(FtpSession session, SecuritySettings settings) {
        String hosts = settings.anonymousVirtualHosts();
        if (!hosts.isEmpty()) {
            String host = session.virtualHost() != null ? session.virtualHost()
                    : session.serverAddress().getAddress().getHostAddress();
            java.nio.file.Path root = java.nio.file.Path.of(session.security().expandHome(hosts), host);
            if (java.nio.file.Files.isDirectory(root)) {
                return root.toString();
            }
        }
        return session.security().expandHome(settings.anonymousRoot());
    }

    static void user(FtpSession session, String argument) throws IOException {
        if (TlsCommands.refuseCleartextLogin(session)) {
            return;
        }
        if (session.isLoggedIn()) {
            session.control().reply(530, "You're already logged in");
            return;
        }
        String user = Replies.printable(argument.length() > MAX_USER_LENGTH
                ? argument.substring(0, MAX_USER_LENGTH) : argument);
        SecuritySettings settings = session.security().settings();
        boolean anonymous;
        if (settings.anonymousOnly()) {
            anonymous = true; // AnonymousOnly: whatever the name
        } else if (settings.anonymousOnlyOn(session.serverAddress().getAddress())) {
            // TrustedIP: accounts log in only on the trusted local address
            if (!settings.anonymousEnabled()) {
                session.pendingUser(null);
                session.control().reply(530, "Only anonymous logins are accepted on this address");
                return;
            }
            anonymous = true;
        } else {
            anonymous = settings.anonymousEnabled()
                    && ANONYMOUS_NAMES.contains(user.toLowerCase(java.util.Locale.ROOT));
        }
        session.pendingUser(user);
        session.pendingAnonymous(anonymous);
        session.control().reply(331, anonymous ? "Any password will work" : "User " + user + " OK. Password required");
    }

    static void pass(FtpSession session, String password) throws IOException {
        if (TlsCommands.refuseCleartextLogin(session)) {
            return;
        }
        if (session.isLoggedIn()) {
            session.control().reply(530, "We can't do that in the current session");
            return;
        }
        String user = session.pendingUser();
        if (user == null) {
            session.control().reply(530, "Please tell me who you are");
            return;
        }
        session.pendingUser(null);
        if (session.security().bans().isBanned(session.clientAddress().getAddress())) {
            session.activity().loginFailed(session, user, true, null, -1);
            session.control().reply(421, bannedText(session));
            session.close();
            return;
        }
        if (session.pendingAnonymous()) {
            SecuritySettings settings = session.security().settings();
            int uid = settings.anonymousUid();
            startSession(session, new Account("ftp", anonymousRoot(session, settings), uid, uid,
                    AccountLimits.NONE), "anonymous", -1, true);
            return;
        }
        if (password.length() > MAX_PASSWORD_LENGTH) {
            session.control().reply(530, "Line too long");
            return;
        }
        if (!TlsCommands.certificateAllows(session, user)) {
            if (session.mayLog()) {
                LOG.info("Login refused for '{}' from {}: the client certificate names someone else", user,
                        clientIp(session));
            }
            refuse(session, user, System.nanoTime(), null, -1);
            return;
        }
        LoginRequest request = new LoginRequest(user, password, session.clientAddress(), session.serverAddress(),
                session.controlSecured(), session.controlServerName());
        InetAddress address = session.clientAddress().getAddress();
        long started = System.nanoTime();
        boolean myTurn;
        try {
            myTurn = session.security().beginLoginCheck(address);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            session.close();
            return;
        }
        if (!myTurn) {
            if (session.mayLog()) {
                LOG.info("Login of '{}' from {} not checked: too many logins from this address are being checked",
                        user, clientIp(session));
            }
            session.control().reply(421, "Too many logins from your address at once - try again in a moment");
            session.close();
            return;
        }
        Verdict verdict;
        long authNanos;
        try {
            verdict = check(session, request);
        } finally {
            authNanos = System.nanoTime() - started;
            session.security().endLoginCheck(address, authNanos);
        }
        switch (verdict.result()) {
            case AuthResult.Accepted accepted ->
                    startSession(session, accepted.account(), verdict.backend(), authNanos, false);
            case AuthResult.Rejected rejected -> {
                if (session.mayLog()) {
                    LOG.info("Login refused for '{}' from {} by backend '{}': {}", user, clientIp(session),
                            verdict.backend(), rejected.reason());
                }
                refuse(session, user, started, verdict.backend(), authNanos);
            }
            case AuthResult.Unknown unknown -> {
                if (session.mayLog()) {
                    LOG.info("Login refused for '{}' from {}: no backend knows this user", user, clientIp(session));
                }
                refuse(session, user, started, null, authNanos);
            }
            case AuthResult.Unavailable unavailable -> {
                session.control().reply(421, verdict.busy()
                        ? "Too many logins at once - try again in a moment"
                        : verdict.backend() == null
                        ? "Authentication service not available yet - try again in a moment"
                        : "Authentication service temporarily unavailable - try later");
                session.close();
            }
        }
    }

    /** What the backend chain said of a login, and which backend said it ({@code null}: none did). */
    private record Verdict(AuthResult result, String backend, boolean busy) {
    }

    /** Asks the backends in turn until one knows the user; no reply is sent here. */
    private static Verdict check(FtpSession session, LoginRequest request) {
        String user = request.user();
        List<Tracked<AuthBackend>> chain = session.services().authChain(session.settings().authOrder());
        for (long waited = 0; chain.isEmpty() && waited < NO_BACKEND_WAIT_MILLIS; waited += 50) {
            // the server is starting or a backend bundle is being replaced: give it a moment
            try {
                Thread.sleep(50);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                break;
            }
            chain = session.services().authChain(session.settings().authOrder());
        }
        if (chain.isEmpty()) {
            // starting up, or every backend uninstalled: not the client's fault, so no failed-login penalty
            if (session.mayLog()) {
                LOG.warn("Login of '{}' from {} not possible: no auth backend is installed", user, clientIp(session));
            }
            return new Verdict(AuthResult.unavailable("no auth backend"), null, false);
        }
        for (Tracked<AuthBackend> backend : chain) {
            AuthResult result;
            try {
                result = ask(backend, request);
            } catch (AuthBusyException busy) {
                if (session.mayLog()) {
                    LOG.warn("Login of '{}' from {} not checked by backend '{}': {}", user, clientIp(session),
                            backend.name(), busy.getMessage());
                }
                return new Verdict(AuthResult.unavailable(busy.getMessage()), backend.name(), true);
            }
            if (result instanceof AuthResult.Unavailable unavailable) {
                if (session.mayLog()) {
                    LOG.warn("Auth backend '{}' unavailable for '{}': {}", backend.name(), user, unavailable.reason());
                }
            }
            if (!(result instanceof AuthResult.Unknown)) {
                return new Verdict(result, backend.name(), false);
            }
        }
        return new Verdict(AuthResult.unknown(), null, false);
    }

    /** A backend that throws is treated as unavailable: the client must not get in because of a bug. */
    private static AuthResult ask(Tracked<AuthBackend> backend, LoginRequest request) {
        try {
            return backend.service().authenticate(request);
        } catch (AuthBusyException busy) {
            throw busy;
        } catch (RuntimeException | LinkageError failure) {
            LOG.error("Auth backend '{}' failed", backend.name(), failure);
            return AuthResult.unavailable(failure.toString());
        }
    }

    /** {@code authNanos}: how long the backends took to accept the login, -1 when none was asked (anonymous). */
    private static void startSession(FtpSession session, Account account, String backendName, long authNanos,
                                     boolean anonymous) throws IOException {
        if (account.uid() == 0 || account.gid() == 0) {
            if (session.mayLog()) {
                LOG.warn("Login refused for '{}': backend '{}' maps it to uid/gid 0", account.name(), backendName);
            }
            session.control().reply(530, "Sorry, but I can't trust you");
            return;
        }
        String full = session.takeLoginPlace();
        if (full != null) {
            if (session.mayLog()) {
                LOG.info("Login of '{}' from {} refused: {}", account.name(), clientIp(session), full);
            }
            session.control().reply(421, full);
            session.close();
            return;
        }
        boolean placeKept = false;
        try {
            placeKept = admitAndOpen(session, account, backendName, authNanos, anonymous);
        } finally {
            if (!placeKept) {
                session.releaseLoginPlace();
            }
        }
    }

    /** The account's own session limit, then its storage; false (after replying) when the login cannot complete. */
    private static boolean admitAndOpen(FtpSession session, Account account, String backendName, long authNanos,
                                        boolean anonymous) throws IOException {
        String refusal = session.security().admitAccount(account.name(), account.limits().maxSessions());
        if (refusal != null) {
            if (session.mayLog()) {
                LOG.info("Login of '{}' from {} refused: {}", account.name(), clientIp(session), refusal);
            }
            session.control().reply(421, refusal);
            session.close();
            return false;
        }
        boolean started = false;
        try {
            started = openStorage(session, account, backendName, authNanos, anonymous);
        } finally {
            if (!started) {
                session.security().releaseAccount(account.name());
            }
        }
        return started;
    }

    /** Opens the account's storage and completes the login; false (after replying) when the home is missing. */
    private static boolean openStorage(FtpSession session, Account account, String backendName, long authNanos,
                                       boolean anonymous) throws IOException {
        List<Long> providers = new ArrayList<>();
        Storage storage;
        try {
            storage = openStorages(session, account, providers);
        } catch (StorageUnavailableException unavailable) {
            LOG.error("Login of '{}' refused: {}", account.name(), unavailable.getMessage());
            session.control().reply(421, "Storage not available - aborting");
            session.close();
            return false;
        } catch (IOException | RuntimeException failure) {
            LOG.error("Home of '{}' ({}) not available: {}", account.name(), account.home(), failure.toString());
            session.control().reply(421, "Home directory not available - aborting");
            session.close();
            return false;
        }
        session.storageProviders(providers.stream().mapToLong(Long::longValue).toArray());
        ConfinedFileSystem files = new ConfinedFileSystem(storage, account.startDirectory());
        try {
            files.changeDirectory(files.home());
        } catch (IOException missingStart) {
            try {
                files.changeDirectory("/");
            } catch (IOException | RuntimeException unusable) {
                files.close();
                throw unusable;
            }
        }
        useDirectoryAliases(session, files, storage);
        session.logIn(account, files, anonymous);
        session.activity().loggedIn(session, anonymous ? null : backendName, authNanos);
        if (session.mayLog()) {
            LOG.info("User '{}' logged in from {} (backend '{}')", account.name(), clientIp(session), backendName);
        }
        List<String> lines = new ArrayList<>(MessageFiles.read(storage, "/.banner"));
        String quota = QuotaRules.loginLine(session);
        if (quota != null) {
            lines.add(quota);
        }
        lines.add("OK. Current directory is " + Replies.printable(files.currentDirectory()));
        session.control().reply(230, lines);
        return true;
    }

    /** A storage the account's attributes name that cannot be opened; the message names the attribute. */
    private static final class StorageUnavailableException extends IOException {

        private static final long serialVersionUID = 1L;

        StorageUnavailableException(String message) {
            super(message);
        }
    }

    /**
     * The account's storage (the provider its {@code storage} attribute names, else the highest-ranked one) with its
     * virtual folders mounted; the service ids of the providers used are added to {@code providers}.
     */
    private static Storage openStorages(FtpSession session, Account account, List<Long> providers)
            throws IOException {
        List<VirtualFolders.Folder> folders;
        try {
            folders = VirtualFolders.of(account);
        } catch (IllegalArgumentException wrong) {
            throw new StorageUnavailableException(wrong.getMessage());
        }
        // one wait for missing providers per login, however many folders name them
        long deadline = System.nanoTime() + NO_BACKEND_WAIT_MILLIS * 1_000_000;
        Storage root = open(session, account, account.attribute(VirtualFolders.STORAGE, null),
                VirtualFolders.STORAGE, providers, deadline);
        if (folders.isEmpty()) {
            return root;
        }
        List<MountedStorage.Mount> mounts = new ArrayList<>();
        try {
            for (VirtualFolders.Folder folder : folders) {
                Storage mounted;
                try {
                    mounted = open(session, folder.account(), folder.storage(), folder.attribute("storage"),
                            providers, deadline);
                } catch (StorageUnavailableException unavailable) {
                    throw unavailable;
                } catch (IOException | RuntimeException failure) {
                    throw new StorageUnavailableException("virtual folder " + folder.attribute("root") + " = "
                            + folder.account().home() + " not available: " + failure);
                }
                mounts.add(new MountedStorage.Mount(folder.path(), mounted, folder.readOnly(), folder.name()));
            }
        } catch (IOException | RuntimeException failure) {
            for (MountedStorage.Mount mount : mounts) {
                closeQuietly(mount.storage());
            }
            closeQuietly(root);
            throw failure;
        }
        return new MountedStorage(root, mounts);
    }

    /**
     * Opens one storage from the provider named {@code name} (any when null), waiting until {@code deadline}
     * ({@link System#nanoTime()}) for it to appear.
     */
    private static Storage open(FtpSession session, Account account, String name, String attribute,
                                List<Long> providers, long deadline) throws IOException {
        Optional<Tracked<StorageProvider>> provider = session.services().storageProvider(name);
        while (provider.isEmpty() && System.nanoTime() < deadline) {
            // the server is starting or a storage bundle is being replaced: give it a moment
            try {
                Thread.sleep(50);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                break;
            }
            provider = session.services().storageProvider(name);
        }
        if (provider.isEmpty()) {
            throw new StorageUnavailableException(name == null ? "no storage provider is installed"
                    : "attribute " + attribute + " = " + name + " names no installed storage provider "
                    + "(wharf.storage.name)");
        }
        Storage storage = provider.get().service().open(account, Identity.of(account));
        providers.add(provider.get().serviceId());
        return storage;
    }

    private static void closeQuietly(Storage storage) {
        try {
            storage.close();
        } catch (IOException | RuntimeException ignored) {
            // the login failed anyway
        }
    }

    /** Reads the listener's directory aliases for this login (so a changed file counts from the next login). */
    private static void useDirectoryAliases(FtpSession session, ConfinedFileSystem files, Storage storage) {
        java.nio.file.Path file = session.settings().dirAliasesFile();
        java.nio.file.Path root = storage.localPath("/");
        if (file == null || root == null) {
            return; // aliases name real directories: only a local storage has them
        }
        try {
            files.useAliases(dev.wharf.core.fs.DirectoryAliases.read(file, root));
        } catch (IOException | RuntimeException unreadable) {
            LOG.warn("Directory aliases not read from {} (listener setting dir.aliases.file): {}", file,
                    unreadable.toString());
        }
    }

    /**
     * Same reply, after the same time, for unknown users and wrong passwords: a failed login is answered no sooner
     * than the configured delay per failure of the session and the slowest recent check (see
     * {@link dev.wharf.core.security.SecurityPolicy#failedLoginNanos}), counted from its PASS. The failure counts
     * towards a ban at once, not after the delay, so parallel sessions cannot guess on while they wait; a ban also
     * closes the address's other sessions that have not logged in.
     */
    private static void refuse(FtpSession session, String user, long passStartedNanos, String backend,
                               long authNanos) throws IOException {
        SecuritySettings settings = session.security().settings();
        int failures = session.recordFailedLogin();
        InetAddress address = session.clientAddress().getAddress();
        boolean banned = session.security().recordLoginFailure(address);
        session.activity().loginFailed(session, user, false, backend, authNanos);
        if (banned) {
            session.activity().banned(session, settings.banDuration());
            int closed = session.activity().closeNotLoggedIn(address, session, bannedText(session));
            if (closed > 0) {
                if (session.mayLog()) {
                    LOG.info("Closed {} other connection(s) from banned address {}", closed, clientIp(session));
                }
            }
        }
        long replyAt = passStartedNanos + session.security().failedLoginNanos(failures)
                + ThreadLocalRandom.current().nextLong(100_000_000L);
        try {
            for (long wait = replyAt - System.nanoTime(); wait > 0; wait = replyAt - System.nanoTime()) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        if (banned || session.security().bans().isBanned(address)) {
            session.control().reply(421, bannedText(session));
            session.close();
            return;
        }
        session.activity().logLoginFailure(session, user);
        session.control().reply(530, "Login authentication failed");
        if (failures >= settings.maxLoginFailuresPerSession()) {
            if (session.mayLog()) {
                LOG.warn("Closing session from {} after {} failed logins", clientIp(session), failures);
            }
            session.close();
        }
    }

    private static String bannedText(FtpSession session) {
        return "Too many failed logins - your address is banned for "
                + session.security().settings().banDuration().toSeconds() + " seconds";
    }

    static void quit(FtpSession session, String argument) throws IOException {
        session.control().reply(221, List.of("Goodbye. You uploaded " + kilobytes(session.bytesUploaded())
                + " and downloaded " + kilobytes(session.bytesDownloaded()) + " kbytes.", "Logout."));
        session.close();
    }

    private static long kilobytes(long bytes) {
        return (bytes + 1023) / 1024;
    }

    private static String clientIp(FtpSession session) {
        return session.clientAddress().getAddress().getHostAddress();
    }
}
