package dev.wharf.webconsole;

import dev.wharf.crypt.PasswordChecker;
import dev.wharf.crypt.PasswordHashes;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console's only way in: HTTP Basic with one user whose password is kept as a hash in a file of its own.
 * The launcher names this provider in {@code felix.webconsole.security.providers}, so the Web Console stays
 * unregistered until it is here and never falls back to its built-in {@code admin}/{@code admin}.
 *
 * <p>When the file does not exist, a random password is made, its argon2id hash written to the file (0600) and the
 * password printed once, as for the demo account. Any hash {@code dev.wharf.crypt} checks can be put there instead
 * (for example {@code mkpasswd -m yescrypt}); a changed file is read again at the next request.
 */
@Component(service = SecurityProvider.class, configurationPid = ConsoleLogin.PID,
        property = "webconsole.security.provider.id=" + ConsoleLogin.PROVIDER_ID)
@Designate(ocd = ConsoleLogin.Config.class)
public class ConsoleLogin implements SecurityProvider {

    static final String PID = "dev.wharf.webconsole";
    /** The id the launcher requires in {@code felix.webconsole.security.providers}. */
    static final String PROVIDER_ID = "wharf";
    static final String HOME_VARIABLE = "${wharf.home}";

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleLogin.class);
    /** Letters and digits without look-alikes (0/O, 1/l/I), so the printed password is easy to type. */
    private static final String PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final int PASSWORD_LENGTH = 20;

    @ObjectClassDefinition(name = "Wharf web console login",
            description = "Who may use the Felix Web Console (HTTP Basic authentication)")
    public @interface Config {
        @AttributeDefinition(description = "The user name to log in with")
        String user() default "admin";

        @AttributeDefinition(description = "File holding the password's hash (one line; argon2id, bcrypt, yescrypt, "
                + "crypt(3) SHA-512...); made with a new random password, printed once, when missing. "
                + "${wharf.home} is replaced by the server directory")
        String password_file() default HOME_VARIABLE + "/var/webconsole.passwd";
    }

    private final PasswordChecker passwords;
    private final String user;
    private final Path passwordFile;
    private volatile String hash;
    private volatile FileTime hashRead;

    @Activate
    public ConsoleLogin(BundleContext context, Config config, @Reference PasswordChecker passwords)
            throws IOException {
        this.passwords = passwords;
        String home = context.getProperty("wharf.home");
        this.user = config.user();
        this.passwordFile = Path.of(config.password_file().replace(HOME_VARIABLE,
                home != null ? home : Path.of("").toAbsolutePath().toString())).toAbsolutePath();
        if (user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException(PID + ": user must be a non-empty name without ':', not '" + user + "'");
        }
        if (!Files.exists(passwordFile)) {
            createPassword();
        }
        currentHash();
    }

    private void createPassword() throws IOException {
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            password.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        Files.createDirectories(passwordFile.getParent());
        Path temporary = Files.createTempFile(passwordFile.getParent(), ".webconsole", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temporary, PasswordHashes.argon2id(password.toString()) + "\n", StandardCharsets.UTF_8);
            // a file another start made meanwhile wins: never replace a password someone may already use
            Files.createLink(passwordFile, temporary);
        } catch (FileAlreadyExistsException madeMeanwhile) {
            return;
        } finally {
            Files.deleteIfExists(temporary);
        }
        String message = "Web console password created: user '" + user + "' password '" + password
                + "' (stored hashed in " + passwordFile + ")";
        LOG.info("{}", message);
        System.out.println(message);
    }

    /** The hash in the file, read again when the file changed; {@code null} when there is none usable. */
    private String currentHash() {
        try {
            FileTime modified = Files.getLastModifiedTime(passwordFile);
            if (!modified.equals(hashRead)) {
                String line = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
                if (!PasswordHashes.isSupported(line)) {
                    LOG.error("{} holds no password hash the web console can check; nobody can log in", passwordFile);
                    line = null;
                }
                hash = line;
                hashRead = modified;
            }
        } catch (IOException unreadable) {
            LOG.error("Cannot read the web console password file {}; nobody can log in: {}", passwordFile,
                    unreadable.toString());
            hash = null;
            hashRead = null;
        }
        return hash;
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException notBase64) {
                decoded = "";
            }
            int colon = decoded.indexOf(':');
            if (colon > 0 && checks(decoded.substring(0, colon), decoded.substring(colon + 1))) {
                return user;
            }
        }
        response.setHeader("WWW-Authenticate", "Basic realm=\"Wharf web console\", charset=\"UTF-8\"");
        try {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
        } catch (IOException | IllegalStateException clientGone) {
            LOG.debug("401 not sent: {}", clientGone.toString());
        }
        return null;
    }

    private boolean checks(String givenUser, String password) {
        String stored = currentHash();
        boolean userMatches = MessageDigest.isEqual(givenUser.getBytes(StandardCharsets.UTF_8),
                user.getBytes(StandardCharsets.UTF_8));
        if (stored == null) {
            return false;
        }
        try {
            // the hash is checked for any user name, so a wrong name takes as long as a wrong password
            return passwords.verify(stored, password) && userMatches;
        } catch (RuntimeException busy) {
            LOG.warn("Web console login not checked: {}", busy.getMessage());
            return false;
        }
    }

    @Override
    public boolean authorize(Object user, String role) {
        return true; // one administrator, who may do everything
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // HTTP Basic has no server-side session to end; the browser forgets the credentials when it closes
    }

    Path passwordFile() {
        return passwordFile;
    }

}
