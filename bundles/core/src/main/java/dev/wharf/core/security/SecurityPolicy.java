package dev.wharf.core.security;

import dev.wharf.core.server.ConfigValues.InvalidSettingException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-wide security state shared by all listeners: the settings (live from ConfigAdmin), the ban list,
 * and the connection and session counters that limits are checked against.
 */
@Component(service = SecurityPolicy.class, configurationPid = SecuritySettings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class SecurityPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityPolicy.class);

    private final BanList bans;
    private final LoginChecks loginChecks = new LoginChecks();
    private final Map<InetAddress, AtomicInteger> connectionsPerAddress = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sessionsPerAccount = new ConcurrentHashMap<>();
    private volatile SecuritySettings settings = SecuritySettings.DEFAULTS;
    private volatile String serverHome = "";

    public SecurityPolicy() {
        this(Clock.systemUTC());
    }

    public SecurityPolicy(Clock clock) {
        this.bans = new BanList(clock);
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        String home = context.getProperty("wharf.home");
        serverHome = home != null ? home : System.getProperty("user.dir");
        configure(properties);
    }

    /** A bad value keeps the previous settings and is logged with its key. */
    @Modified
    public void configure(Map<String, ?> properties) {
        try {
            settings = SecuritySettings.from(properties);
        } catch (InvalidSettingException invalid) {
            LOG.error("{} - keeping the previous security settings", invalid.getMessage());
        }
    }

    public SecuritySettings settings() {
        return settings;
    }

    public BanList bans() {
        return bans;
    }

    /** {@code ${wharf.home}} in a configured path, expanded. */
    public String expandHome(String path) {
        return path.replace(SecuritySettings.HOME_VARIABLE, serverHome);
    }

    /**
     * Admits a new connection from {@code address}, or returns the 421 text to refuse it with. An admitted
     * connection must be {@link #releaseConnection released}.
     */
    public String admitConnection(InetAddress address) {
        if (bans.isBanned(address)) {
            return "Your address is temporarily banned after too many failed logins";
        }
        int limit = settings.maxConnectionsPerIp();
        AtomicInteger count = connectionsPerAddress.computeIfAbsent(address, ignored -> new AtomicInteger());
        if (count.incrementAndGet() > limit && limit > 0) {
            releaseConnection(address);
            return "Too many connections (" + limit + ") from this IP";
        }
        return null;
    }

    public void releaseConnection(InetAddress address) {
        connectionsPerAddress.computeIfPresent(address, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /**
     * Admits a login of {@code account}; {@code accountLimit} is the backend's own limit (0 = none). Returns the
     * 421 text to refuse with, or {@code null}; an admitted login must be {@link #releaseAccount released}.
     */
    public String admitAccount(String account, int accountLimit) {
        int global = settings.maxSessionsPerAccount();
        int limit = accountLimit > 0 && global > 0 ? Math.min(accountLimit, global) : Math.max(accountLimit, global);
        AtomicInteger count = sessionsPerAccount.computeIfAbsent(account, ignored -> new AtomicInteger());
        if (count.incrementAndGet() > limit && limit > 0) {
            releaseAccount(account);
            return "I can't accept more than " + limit + " connections as the same user";
        }
        return null;
    }

    public void releaseAccount(String account) {
        sessionsPerAccount.computeIfPresent(account, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /**
     * Waits (at most {@code login.check.wait} seconds) until this address may have one more login checked: at most
     * {@code login.checks.per.ip} run at once. False when the wait ran out; otherwise {@link #endLoginCheck} must
     * follow.
     */
    public boolean beginLoginCheck(InetAddress address) throws InterruptedException {
        SecuritySettings current = settings;
        return loginChecks.enter(address, current.loginChecksPerIp(), current.loginCheckWait().toMillis());
    }

    /** Ends a check begun by {@link #beginLoginCheck}, which took {@code nanos}. */
    public void endLoginCheck(InetAddress address, long nanos) {
        loginChecks.leave(address, nanos);
    }

    /**
     * How long a failed login takes at least, from its PASS to its reply: the configured delay per failure of the
     * session, and never less than the slowest recent check, so that known and unknown users fail alike.
     */
    public long failedLoginNanos(int failuresInSession) {
        return Math.max(settings.loginFailureDelay().toNanos() * failuresInSession, loginChecks.slowestRecentNanos());
    }

    /** Counts a failed login; returns whether the address is now banned (and logs it). */
    public boolean recordLoginFailure(InetAddress address) {
        boolean banned = bans.recordFailure(address, settings);
        if (banned) {
            LOG.warn("Banned {} for {} s after {} failed logins", address.getHostAddress(),
                    settings.banDuration().toSeconds(), settings.banAfterFailures());
        }
        return banned;
    }
}
