package dev.wharf.auth.unix;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.crypt.PasswordChecker;
import dev.wharf.crypt.PasswordHashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
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
 * System accounts from /etc/passwd and /etc/shadow, checked like Pure-FTPd's unix backend: the shell must be
 * listed in /etc/shells, an expired or locked account is refused, root and uids below the minimum never log in.
 * The files are read at each login, so account changes apply at once. Wharf verifies the hash itself
 * (yescrypt {@code $y$}, Debian's default since 11; SHA-512/SHA-256/MD5/DES crypt, bcrypt, scrypt).
 */
@Component(service = AuthBackend.class, configurationPid = UnixAuthBackend.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = AuthBackend.NAME_PROPERTY + "=unix")
@Designate(ocd = UnixAuthBackend.Config.class)
public class UnixAuthBackend implements AuthBackend {

    static final String PID = "dev.wharf.auth.unix";
    private static final Logger LOG = LoggerFactory.getLogger(UnixAuthBackend.class);
    /** What getusershell(3) assumes when /etc/shells is missing. */
    private static final List<String> DEFAULT_SHELLS = List.of("/bin/sh", "/bin/csh");

    @ObjectClassDefinition(name = "Wharf system accounts", description = "Users from /etc/passwd and /etc/shadow")
    public @interface Config {
        @AttributeDefinition(description = "The passwd file")
        String passwd_file() default "/etc/passwd";

        @AttributeDefinition(description = "The shadow file (the server must be able to read it)")
        String shadow_file() default "/etc/shadow";

        @AttributeDefinition(description = "Login shells an FTP user must have")
        String shells_file() default "/etc/shells";

        @AttributeDefinition(description = "Lowest uid that may log in (uid 0 never can)")
        int min_uid() default 1000;

        @AttributeDefinition(description = "false: the backend answers 'unknown user' for everybody")
        boolean enabled() default true;
    }

    private final Clock clock;
    private volatile Config config;
    /** The crypt bundle's checker, which bounds the cost of hashing for the whole server. */
    @Reference
    PasswordChecker passwords;

    /** For Declarative Services, which sets {@link #passwords}. */
    public UnixAuthBackend() {
        this.clock = Clock.systemUTC();
    }

    UnixAuthBackend(PasswordChecker passwords) {
        this(passwords, Clock.systemUTC());
    }

    UnixAuthBackend(PasswordChecker passwords, Clock clock) {
        this.passwords = passwords;
        this.clock = clock;
    }

    @Activate
    @Modified
    void configure(Config config) {
        this.config = config;
        LOG.info("System accounts from {} / {}, min uid {}{}", config.passwd_file(), config.shadow_file(),
                config.min_uid(), config.enabled() ? "" : ", disabled");
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        Config current = config;
        if (current == null || !current.enabled()) {
            return AuthResult.unknown();
        }
        String user = request.user();
        if (user.isEmpty() || user.contains(":")) {
            return AuthResult.unknown();
        }
        try {
            String[] account = find(Path.of(current.passwd_file()), user, 7);
            if (account == null) {
                return AuthResult.unknown();
            }
            int uid = Integer.parseInt(account[2]);
            int gid = Integer.parseInt(account[3]);
            if (uid == 0 || gid == 0) {
                return AuthResult.rejected("root accounts never log in");
            }
            if (uid < current.min_uid()) {
                return AuthResult.rejected("uid " + uid + " is below the minimum " + current.min_uid());
            }
            if (!validShell(Path.of(current.shells_file()), account[6])) {
                return AuthResult.rejected("shell " + account[6] + " is not in " + current.shells_file());
            }
            String hash = account[1];
            if (hash.equals("x")) {
                String[] shadow = find(Path.of(current.shadow_file()), user, 2);
                if (shadow == null) {
                    return AuthResult.rejected("no shadow entry");
                }
                String expired = expired(shadow);
                if (expired != null) {
                    return AuthResult.rejected(expired);
                }
                hash = shadow[1];
            }
            if (hash.isEmpty() || hash.startsWith("!") || hash.startsWith("*")) {
                return AuthResult.rejected("account locked or without password");
            }
            if (!PasswordHashes.isSupported(hash)) {
                LOG.warn("System account '{}' has a password hash Wharf cannot check ({}); login refused", user,
                        hash.startsWith("$") ? hash.substring(0, hash.indexOf('$', 1) + 1) : "unknown scheme");
                return AuthResult.rejected("unsupported password hash");
            }
            if (!passwords.verify(hash, request.password())) {
                return AuthResult.rejected("wrong password");
            }
            if (!account[5].startsWith("/")) {
                return AuthResult.rejected("home directory is not absolute");
            }
            return AuthResult.accepted(new Account(user, account[5], uid, gid, AccountLimits.NONE));
        } catch (NumberFormatException badNumber) {
            LOG.warn("System account '{}': malformed uid, gid or date field; login refused", user);
            return AuthResult.rejected("malformed account entry");
        } catch (IOException unreadable) {
            LOG.warn("Cannot read the system account files: {}", unreadable.toString());
            return AuthResult.unavailable("account files unreadable");
        }
    }

    /** Like shadow(5): an expired account, or a password past its maximum age plus the inactive days. */
    private String expired(String[] shadow) {
        long today = LocalDate.now(clock).toEpochDay();
        if (shadow.length > 7 && !shadow[7].isEmpty() && today >= Long.parseLong(shadow[7])) {
            return "account expired";
        }
        if (shadow.length > 2 && shadow[2].equals("0")) {
            return "password must be changed first";
        }
        if (shadow.length > 6 && !shadow[2].isEmpty() && !shadow[4].isEmpty()) {
            long lastChange = Long.parseLong(shadow[2]);
            long maxAge = Long.parseLong(shadow[4]);
            long inactive = shadow[6].isEmpty() ? 0 : Long.parseLong(shadow[6]);
            if (maxAge >= 0 && maxAge < 99_999 && today > lastChange + maxAge + inactive) {
                return "password expired";
            }
        }
        return null;
    }

    private static boolean validShell(Path shells, String shell) throws IOException {
        List<String> allowed;
        try {
            allowed = Files.readAllLines(shells, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (NoSuchFileException missing) {
            allowed = DEFAULT_SHELLS;
        }
        return allowed.contains(shell.isEmpty() ? "/bin/sh" : shell);
    }

    private static String[] find(Path file, String user, int minimumFields) throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith(user + ":")) {
                String[] fields = line.split(":", -1);
                if (fields.length >= minimumFields) {
                    return fields;
                }
            }
        }
        return null;
    }
}
