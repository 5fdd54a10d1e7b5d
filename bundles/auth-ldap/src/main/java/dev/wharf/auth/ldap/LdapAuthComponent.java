package dev.wharf.auth.ldap;

import dev.wharf.crypt.PasswordChecker;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.util.ssl.TrustStoreTrustManager;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.api.health.HealthCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.TrustManager;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** LDAP users, configured under PID {@value #PID}; active only while that configuration exists. */
@Component(service = {AuthBackend.class, HealthCheck.class}, configurationPid = LdapAuthComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {AuthBackend.NAME_PROPERTY + "=ldap",
                HealthCheck.NAME_PROPERTY + "=ldap users"})
@Designate(ocd = LdapAuthComponent.Config.class)
public class LdapAuthComponent implements AuthBackend, HealthCheck {

    static final String PID = "dev.wharf.auth.ldap";
    static final String HOME_VARIABLE = "${wharf.home}";
    private static final Logger LOG = LoggerFactory.getLogger(LdapAuthComponent.class);

    /** Pure-FTPd's keys ({@code LDAPServer}, {@code LDAPBaseDN}, ...) may also be given directly here. */
    @ObjectClassDefinition(name = "Wharf LDAP users",
            description = "Users from an LDAP directory with Pure-FTPd's pureftpd-ldap.conf keys")
    public @interface Config {
        @AttributeDefinition(description = "An existing pureftpd-ldap.conf (optional when the keys are given here); "
                + "${wharf.home} is replaced by the server directory")
        String config_file() default "";

        @AttributeDefinition(description = "Most directory connections open at once")
        int pool_size() default 8;

        @AttributeDefinition(description = "Seconds to connect and per operation")
        int timeout_seconds() default 5;

        @AttributeDefinition(description = "Trust store (PKCS#12 or JKS) with the CA of the directory's certificate "
                + "for LDAPS/StartTLS; empty for the JVM's default trust store")
        String tls_truststore() default "";

        @AttributeDefinition(type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD,
                description = "Password of the trust store, if it has one")
        String tls_truststore_password() default "";
    }

    private final LdapAuthBackend backend;

    @Activate
    public LdapAuthComponent(BundleContext context, Config config, Map<String, Object> properties,
                             @Reference PasswordChecker passwords) throws LDAPException, GeneralSecurityException {
        String home = context.getProperty("wharf.home");
        backend = create(config, properties, home != null ? home : Path.of("").toAbsolutePath().toString(),
                passwords);
    }

    static LdapAuthBackend create(Config config, Map<String, ?> properties, String serverHome,
                                  PasswordChecker passwords) throws LDAPException, GeneralSecurityException {
        Path file = config.config_file().isBlank() ? null
                : Path.of(config.config_file().replace(HOME_VARIABLE, serverHome)).toAbsolutePath();
        Map<String, String> overrides = new TreeMap<>();
        properties.forEach((key, value) -> {
            if (key.toLowerCase(Locale.ROOT).startsWith("ldap")) {
                overrides.put(key, String.valueOf(value));
            }
        });
        LdapSettings settings;
        try {
            settings = LdapSettings.load(file, overrides);
        } catch (LdapSettings.BadSettingsException | IOException bad) {
            String message = "ldap backend not started: " + (file == null ? "" : file + ": ") + bad.getMessage();
            LOG.error("{}", message);
            throw new IllegalArgumentException(message, bad);
        }
        TrustManager trust = null;
        if (!config.tls_truststore().isBlank()) {
            String password = config.tls_truststore_password();
            trust = new TrustStoreTrustManager(config.tls_truststore().replace(HOME_VARIABLE, serverHome),
                    password.isEmpty() ? null : password.toCharArray(), null, true);
        }
        LdapAuthBackend backend = new LdapAuthBackend(settings, config.pool_size(),
                Math.max(1, config.timeout_seconds()), trust, passwords);
        LOG.info("{}: users under {} ({}{}, auth method {})", backend, settings.baseDn,
                settings.ldaps ? "LDAPS" : settings.startTls ? "StartTLS" : "plain LDAP",
                settings.bindDn.isEmpty() ? ", anonymous search" : ", search as " + settings.bindDn,
                settings.authMethod);
        return backend;
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        return backend.authenticate(request);
    }

    /** The directory answers (bin/wharf status). */
    @Override
    public Result check() {
        return backend.reachable();
    }

    @Deactivate
    void deactivate() {
        backend.close();
    }
}
