package dev.wharf.auth.passwd;

import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.crypt.PasswordChecker;
import dev.wharf.crypt.PasswordHashes;
import dev.wharf.auth.passwd.AccessRules.BadRuleException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalTime;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Virtual users from a Pure-FTPd {@code pureftpd.passwd} file. The file is re-read when it changes on disk, so
 * {@code pure-pw useradd} (or an editor) takes effect without a restart.
 */
@Component(service = AuthBackend.class, configurationPid = PasswdAuthBackend.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = AuthBackend.NAME_PROPERTY + "=passwd")
@Designate(ocd = PasswdAuthBackend.Config.class)
public class PasswdAuthBackend implements AuthBackend {

    static final String PID = "dev.wharf.auth.passwd";
    static final String HOME_VARIABLE = "${wharf.home}";
    private static final Logger LOG = LoggerFactory.getLogger(PasswdAuthBackend.class);
    /** Changes are noticed at most this late; checking the file on every login would cost a stat each time. */
    private static final long RECHECK_MILLIS = 1000;
    /** Letters and digits without look-alikes (0/O, 1/l/I), so the printed password is easy to type. */
    private static final String PASSWORD_ALPHABET =
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    @ObjectClassDefinition(name = "Wharf passwd users",
            description = "Users from a Pure-FTPd pureftpd.passwd file")
    public @interface Config {
        @AttributeDefinition(description = "The passwd file; ${wharf.home} is replaced by the server directory")
        String file() default HOME_VARIABLE + "/var/pureftpd.passwd";

        @AttributeDefinition(description = "Supplementary groups and attributes (storage, folder.*...) of the "
                + "accounts, one account:name=value per line; empty: the passwd file's name plus .attributes. "
                + "Kept apart so that the passwd file stays as pure-pw writes it")
        String attributes_file() default "";

        @AttributeDefinition(description = "false: the backend answers 'unknown user' for everybody "
                + "(the chain goes on to the next backend)")
        boolean enabled() default true;

        @AttributeDefinition(description = "Create a demo account with a printed password when the file has no users")
        boolean demo_create() default true;

        @AttributeDefinition(description = "Name of the demo account")
        String demo_user() default "demo";

        @AttributeDefinition(description = "Home of the demo account, created if missing")
        String demo_home() default HOME_VARIABLE + "/var/ftp/demo";

        @AttributeDefinition(description = "Numeric owner recorded for the demo account (not 0)")
        int demo_uid() default 1000;

        @AttributeDefinition(description = "Numeric group recorded for the demo account (not 0)")
        int demo_gid() default 1000;
    }

    private final Clock clock;
    private volatile UserTable users;
    private volatile boolean enabled = true;
    /** The crypt bundle's checker, which bounds the cost of hashing for the whole server. */
    @Reference
    PasswordChecker passwords;

    /** For Declarative Services, which sets {@link #passwords}. */
    public PasswdAuthBackend() {
        this.clock = Clock.systemDefaultZone();
    }

    PasswdAuthBackend(PasswordChecker passwords) {
        this(passwords, Clock.systemDefaultZone());
    }

    PasswdAuthBackend(PasswordChecker passwords, Clock clock) {
        this.passwords = passwords;
        this.clock = clock;
    }

    @Activate
    @Modified
    void configure(BundleContext context, Config config) {
        configure(serverHome(context), config);
    }

    /**
     * Never fails activation: an unreadable file leaves the backend without users (every name goes to the next
     * backend, as in Pure-FTPd) and is tried again at the next login.
     */
    void configure(String serverHome, Config config) {
        Path file = Path.of(config.file().replace(HOME_VARIABLE, serverHome)).toAbsolutePath();
        Path extrasFile = config.attributes_file().isBlank() ? file.resolveSibling(file.getFileName() + ".attributes")
                : Path.of(config.attributes_file().replace(HOME_VARIABLE, serverHome)).toAbsolutePath();
        UserTable table = new UserTable(file, extrasFile);
        try {
            table.reload();
            if (config.demo_create() && table.entries.isEmpty()) {
                createDemoAccount(table, config, serverHome);
                table.reload();
            }
        } catch (IOException | UncheckedIOException unreadable) {
            LOG.warn("Cannot read or write {}; no passwd users until it can be read: {}", file,
                    unreadable.toString());
        }
        users = table;
        enabled = config.enabled();
        LOG.info("Serving {} users from {}{}", table.entries.size(), file, enabled ? "" : " (disabled)");
    }

    private static String serverHome(BundleContext context) {
        String home = context.getProperty("wharf.home");
        return home != null ? home : Path.of("").toAbsolutePath().toString();
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        UserTable table = users;
        if (table == null || !enabled) {
            return AuthResult.unknown();
        }
        PasswdEntry entry = table.current().get(request.user());
        if (entry == null) {
            return AuthResult.unknown();
        }
        if (!PasswordHashes.isSupported(entry.passwordHash())) {
            LOG.warn("Account '{}' in {} has a password hash Wharf cannot check (use argon2id, bcrypt, scrypt or $6$)",
                    entry.user(), table.file);
            return AuthResult.rejected("unsupported password hash");
        }
        if (!passwords.verify(entry.passwordHash(), request.password())) {
            return AuthResult.rejected("wrong password");
        }
        try {
            if (!AccessRules.addressPermitted(request.clientAddress().getAddress(), entry.allowedClientIps(),
                    entry.deniedClientIps())) {
                return AuthResult.rejected("client address not allowed for this account");
            }
            if (!AccessRules.addressPermitted(request.serverAddress().getAddress(), entry.allowedLocalIps(),
                    entry.deniedLocalIps())) {
                return AuthResult.rejected("server address not allowed for this account");
            }
            if (!AccessRules.timePermitted(LocalTime.now(clock), entry.timeRestriction())) {
                return AuthResult.rejected("outside the account's allowed hours " + entry.timeRestriction());
            }
        } catch (BadRuleException badRule) {
            LOG.warn("Account '{}' in {}: {}; login refused", entry.user(), table.file, badRule.getMessage());
            return AuthResult.rejected("malformed restriction: " + badRule.getMessage());
        }
        if (entry.uid() == 0 || entry.gid() == 0) {
            // Rejected rather than Unknown: a lower backend must not answer for a name this file claims.
            LOG.warn("Account '{}' in {} has uid or gid 0; login refused", entry.user(), table.file);
            return AuthResult.rejected("uid or gid 0 is not allowed");
        }
        AccountExtras.Extras extras = table.extras.getOrDefault(entry.user(), AccountExtras.Extras.NONE);
        return AuthResult.accepted(entry.toAccount().withGroups(extras.groups())
                .withAttributes(extras.attributes()));
    }

    private void createDemoAccount(UserTable table, Config config, String serverHome) throws IOException {
        if (config.demo_user().isEmpty() || config.demo_user().matches(".*[:\\r\\n].*")) {
            throw new IOException("demo.user must be a non-empty name without ':' or line breaks");
        }
        String password = randomPassword(16);
        Path home = Path.of(config.demo_home().replace(HOME_VARIABLE, serverHome)).toAbsolutePath();
        if (!Files.isDirectory(home)) {
            Files.createDirectories(home);
            if ("root".equals(System.getProperty("user.name"))) {
                // run as root, the server acts as the account on its files: its home is its own
                Files.setAttribute(home, "unix:uid", config.demo_uid());
                Files.setAttribute(home, "unix:gid", config.demo_gid());
            }
        }
        PasswdEntry entry = new PasswdEntry(config.demo_user(), PasswordHashes.argon2id(password), config.demo_uid(),
                config.demo_gid(), "Wharf demo account", home.toString(), 0, 0, 0, 0, 0, 0, 0, "", "", "", "", "");
        appendAtomically(table.file, entry.toLine());
        String message = "Demo account created: user '" + entry.user() + "' password '" + password + "' (home "
                + home + ", stored hashed in " + table.file + ")";
        LOG.info("{}", message);
        System.out.println(message);
    }

    /** Adds the line under the file's lock, by an atomic replace. */
    static void appendAtomically(Path file, String line) throws IOException {
        PasswdFile.edit(file, lines -> {
            lines.add(line);
            return lines;
        });
    }

    private static String randomPassword(int length) {
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            password.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        return password.toString();
    }

    /** The parsed file plus what is needed to notice that it changed. */
    private static final class UserTable {
        final Path file;
        final Path extrasFile;
        volatile Map<String, PasswdEntry> entries = Map.of();
        volatile Map<String, AccountExtras.Extras> extras = Map.of();
        private volatile Object lastStamp;
        private volatile long nextCheck;

        UserTable(Path file, Path extrasFile) {
            this.file = file;
            this.extrasFile = extrasFile;
        }

        Map<String, PasswdEntry> current() {
            long now = System.currentTimeMillis();
            if (now >= nextCheck) {
                reloadIfChanged(now);
            }
            return entries;
        }

        /** Synchronized so that concurrent logins stat and parse the file once, not once each. */
        private synchronized void reloadIfChanged(long now) {
            if (now < nextCheck) {
                return;
            }
            nextCheck = now + RECHECK_MILLIS;
            try {
                if (!stamp().equals(lastStamp)) {
                    reload();
                    LOG.info("Reloaded {} users from {}", entries.size(), file);
                }
            } catch (IOException | UncheckedIOException unreadable) {
                LOG.warn("Cannot re-read {}; keeping the {} users read before: {}", file, entries.size(),
                        unreadable.toString());
            }
        }

        synchronized void reload() throws IOException {
            Object stamp = stamp();
            entries = PasswdFile.read(file);
            extras = AccountExtras.read(extrasFile);
            lastStamp = stamp;
        }

        /** Modification time, size and inode: a rename-into-place with the same size and second is still seen. */
        private Object stamp() throws IOException {
            return stamp(file) + " " + stamp(extrasFile);
        }

        private static String stamp(Path file) throws IOException {
            if (!Files.exists(file)) {
                return "missing";
            }
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/" + attributes.fileKey();
        }
    }
}
