package dev.wharf.core.limits;

import dev.wharf.api.auth.Account;
import dev.wharf.core.server.ConfigValues.InvalidSettingException;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-wide limits (live from ConfigAdmin) and the two server-wide throttles every transfer passes
 * through. A bad value keeps the previous settings and is logged with its key.
 */
@Designate(ocd = LimitSettings.Config.class)
@Component(service = LimitPolicy.class, configurationPid = LimitSettings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class LimitPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(LimitPolicy.class);

    private volatile LimitSettings settings = LimitSettings.NONE;
    private final Throttle totalUpload = new Throttle(0);
    private final Throttle totalDownload = new Throttle(0);

    @Activate
    @Modified
    public void configure(Map<String, ?> properties) {
        try {
            apply(LimitSettings.from(properties));
        } catch (InvalidSettingException invalid) {
            LOG.error("{} - keeping the previous limits", invalid.getMessage());
        }
    }

    private void apply(LimitSettings changed) {
        if (!changed.equals(settings)) {
            LOG.info("Limits: {}", changed.describe());
        }
        settings = changed;
        totalUpload.rate(changed.totalUploadBandwidth());
        totalDownload.rate(changed.totalDownloadBandwidth());
    }

    public LimitSettings settings() {
        return settings;
    }

    /** The limits of a session that just logged in as {@code account}. */
    public SessionLimits forAccount(Account account, boolean anonymous) {
        return SessionLimits.of(account.limits(), settings, anonymous);
    }

    /** Shared by all uploads of the server. */
    public Throttle totalUpload() {
        return totalUpload;
    }

    /** Shared by all downloads of the server. */
    public Throttle totalDownload() {
        return totalDownload;
    }
}
