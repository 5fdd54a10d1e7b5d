package dev.wharf.crypt;

import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code etc/dev.wharf.crypt.cfg}: {@code verified.cache.seconds} (default 600, 0 = off), how long a successful
 * check of an expensive password hash is remembered (see {@link PasswordHashes#rememberVerifiedSeconds}).
 */
@Component(configurationPid = "dev.wharf.crypt", configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = {})
public class PasswordCacheSettings {

    static final long DEFAULT_SECONDS = 600;
    private static final Logger LOG = LoggerFactory.getLogger(PasswordCacheSettings.class);

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        Object value = properties.get("verified.cache.seconds");
        long seconds = DEFAULT_SECONDS;
        if (value != null && !value.toString().isBlank()) {
            try {
                seconds = Long.parseLong(value.toString().trim());
                if (seconds < 0 || seconds > 86_400) {
                    throw new NumberFormatException(value.toString());
                }
            } catch (NumberFormatException invalid) {
                LOG.error("dev.wharf.crypt: invalid value for 'verified.cache.seconds': '{}' (expected an integer "
                        + "0-86400) - keeping {} s", value, VerifiedPasswords.lifetimeSeconds());
                return;
            }
        }
        PasswordHashes.rememberVerifiedSeconds(seconds);
    }
}
