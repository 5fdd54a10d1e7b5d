package dev.wharf.auth.pam;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logins checked by the system's PAM stack, as Pure-FTPd's {@code PAMAuthentication} does (Debian's default chain:
 * {@code /etc/pam.d/pure-ftpd}): pam_authenticate, pam_acct_mgmt, pam_setcred and a session opened and closed at
 * once. A user PAM refuses is unknown here, so the next backend is asked, as in Pure-FTPd; uid, gid and home come
 * from the system account (getpwnam). Root and uids below the minimum never log in.
 */
@Component(service = AuthBackend.class, configurationPid = PamAuthBackend.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = AuthBackend.NAME_PROPERTY + "=pam")
@Designate(ocd = PamAuthBackend.Config.class)
public class PamAuthBackend implements AuthBackend {

    static final String PID = "dev.wharf.auth.pam";
    private static final Logger LOG = LoggerFactory.getLogger(PamAuthBackend.class);

    @ObjectClassDefinition(name = "Wharf PAM", description = "Users checked by the system's PAM stack")
    public @interface Config {
        @AttributeDefinition(description = "PAM service name: the file in /etc/pam.d")
        String service() default "pure-ftpd";

        @AttributeDefinition(description = "Lowest uid that may log in (uid 0 never can)")
        int min_uid() default 1000;

        @AttributeDefinition(description = "The PAM library")
        String library() default "libpam.so.0";

        @AttributeDefinition(description = "false: the backend answers 'unknown user' for everybody")
        boolean enabled() default true;
    }

    private volatile Config config;
    private volatile LibPam pam;

    @Activate
    @Modified
    synchronized void configure(Config config) {
        if (pam == null || !config.library().equals(this.config.library())) {
            // an automatic arena: the library is unloaded once no login uses the old handles any more
            pam = new LibPam(config.library(), Arena.ofAuto());
        }
        this.config = config;
        LOG.info("PAM logins with service '{}' ({}), min uid {}{}", config.service(), config.library(),
                config.min_uid(), config.enabled() ? "" : ", disabled");
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        Config current = config;
        LibPam library = pam;
        if (current == null || library == null || !current.enabled()) {
            return AuthResult.unknown();
        }
        String user = request.user();
        if (user.isEmpty() || user.indexOf('\0') >= 0 || request.password().indexOf('\0') >= 0) {
            return AuthResult.unknown();
        }
        byte[] password = request.password().getBytes(StandardCharsets.UTF_8);
        LibPam.Result result;
        try {
            result = library.login(current.service(), user, password,
                    request.clientAddress().getAddress().getHostAddress());
        } finally {
            Arrays.fill(password, (byte) 0);
        }
        switch (result.outcome()) {
            case REFUSED -> {
                LOG.info("PAM ({}) refused '{}' at {}: {}", current.service(), user, result.step(), result.message());
                return AuthResult.unknown();
            }
            case CREDENTIALS_FAILED -> {
                return AuthResult.rejected("PAM " + result.step() + ": " + result.message());
            }
            default -> {
                // accepted: the account follows
            }
        }
        LibPam.SystemAccount account = library.account(user);
        if (account == null) {
            LOG.info("PAM accepted '{}', who has no system account (getpwnam); unknown here", user);
            return AuthResult.unknown();
        }
        if (account.uid() == 0 || account.gid() == 0) {
            return AuthResult.rejected("root accounts never log in");
        }
        if (Integer.compareUnsigned(account.uid(), current.min_uid()) < 0) {
            return AuthResult.rejected("uid " + account.uid() + " is below the minimum " + current.min_uid());
        }
        if (!account.home().startsWith("/")) {
            return AuthResult.rejected("home directory is not absolute");
        }
        return AuthResult.accepted(new Account(user, account.home(), account.uid(), account.gid(),
                AccountLimits.NONE));
    }
}
