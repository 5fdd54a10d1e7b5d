package dev.wharf.core.security;

import dev.wharf.core.server.ConfigValues.InvalidSettingException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-wide security state shared by all listeners: the settings (live from ConfigAdmin), the ban list,
 * and the connection and session counters that limits are checked against.
 */
@Designate(ocd = SecuritySettings.Config.class)
@Component(service = SecurityPolicy.class, configurationPid = SecuritySettings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class SecurityPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityPolicy.class);

    /**
     * The keys a listener may set for its own sessions ({@code security.<key>} in its file); the others (bans,
     * login checks, disk usage…) protect the whole server and stay server-wide.
     */
    public static final Set<String> PER_LISTENER_KEYS = Set.of("max.per.ip", "max.per.user", "fxp.enabled",
            "fxp.users", "anonymous.enabled", "anonymous.root", "anonymous.upload", "anonymous.only",
            "anonymous.uid", "trusted.ip", "keep.all.files", "no.rename", "no.chmod", "customer.proof", "autorename",
            "dotfiles.read", "dotfiles.write", "umask.files", "umask.dirs", "cwd.failure.delay", "cwd.failures.max",
            "anonymous.virtual.hosts");

    private final BanList bans;
    private final LoginChecks loginChecks;
    private final Map<InetAddress, AtomicInteger> connectionsPerAddress;
    private final Map<String, AtomicInteger> sessionsPerAccount;
    private volatile SecuritySettings settings = SecuritySettings.DEFAULTS;
    private volatile Map<String, ?> properties = Map.of();
    private volatile String serverHome = "";
    /** For a listener's view: the server-wide policy whose state it shares, and what the listener overrides. */
    private final SecurityPolicy serverWide;
    private final Map<String, ?> overrides;
    /** The view's settings and the server-wide properties they were made from. */
    private volatile Derived derived;

    private record Derived(Map<String, ?> from, SecuritySettings settings) {
    }

    public SecurityPolicy() {
        this(Clock.systemUTC());
    }

    public SecurityPolicy(Clock clock) {
        this.bans = new BanList(clock);
        this.loginChecks = new LoginChecks();
        this.connectionsPerAddress = new ConcurrentHashMap<>();
        this.sessionsPerAccount = new ConcurrentHashMap<>();
        this.serverWide = null;
        this.overrides = Map.of();
    }

    private SecurityPolicy(SecurityPolicy serverWide, Map<String, ?> overrides) {
        this.bans = serverWide.bans;
        this.loginChecks = serverWide.loginChecks;
        this.connectionsPerAddress = serverWide.connectionsPerAddress;
        this.sessionsPerAccount = serverWide.sessionsPerAccount;
        this.serverWide = serverWide;
        this.overrides = Map.copyOf(overrides);
    }

    /**
     * The policy for one listener's sessions: the server-wide settings with {@code overrides} (keys from
     * {@link #PER_LISTENER_KEYS}) on top, following changes of either; bans and counters stay shared, so a
     * listener's {@code max.per.ip} counts the address's connections to the whole server.
     */
    public SecurityPolicy forListener(Map<String, ?> overrides) {
        return overrides.isEmpty() ? this : new SecurityPolicy(this, overrides);
    }

    /**
     * Checks a listener's overrides alone, so that a bad one is reported with the listener's file.
     *
     * @throws InvalidSettingException for a key that cannot be set per listener or a value that cannot be used
     */
    public static void checkOverrides(String owner, Map<String, ?> overrides) {
        for (String key : overrides.keySet()) {
            if (!PER_LISTENER_KEYS.contains(key)) {
                throw new dev.wharf.core.server.ConfigValues(owner, Map.of("security." + key,
                        String.valueOf(overrides.get(key)))).invalid("security." + key, "a key a listener may set: "
                        + String.join(", ", new java.util.TreeSet<>(PER_LISTENER_KEYS)));
            }
        }
        SecuritySettings.from(overrides);
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
            this.properties = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(properties));
        } catch (InvalidSettingException invalid) {
            LOG.error("{} - keeping the previous security settings", invalid.getMessage());
        }
    }

    public SecuritySettings settings() {
        if (serverWide == null) {
            return settings;
        }
        Map<String, ?> base = serverWide.properties;
        Derived current = derived;
        if (current == null || current.from() != base) {
            java.util.HashMap<String, Object> merged = new java.util.HashMap<>(base);
            merged.putAll(overrides);
            SecuritySettings made;
            try {
                made = SecuritySettings.from(merged);
            } catch (InvalidSettingException invalid) {
                made = serverWide.settings(); // checked when the listener was configured; never expected here
            }
            current = new Derived(base, made);
            derived = current;
        }
        return current.settings();
    }

    public BanList bans() {
        return bans;
    }

    /** {@code ${wharf.home}} in a configured path, expanded. */
    public String expandHome(String path) {
        return path.replace(SecuritySettings.HOME_VARIABLE, serverWide != null ? serverWide.serverHome : serverHome);
    }

    /**
     * Admits a new connection from {@code address}, or returns the 421 text to refuse it with. An admitted
     * connection must be {@link #releaseConnection released}.
     */
    public String admitConnection(InetAddress address) {
        if (bans.isBanned(address)) {
            return "Your address is temporarily banned after too many failed logins";
        }
        int limit = settings().maxConnectionsPerIp();
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
        int global = settings().maxSessionsPerAccount();
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
        SecuritySettings current = settings();
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
        return Math.max(settings().loginFailureDelay().toNanos() * failuresInSession, loginChecks.slowestRecentNanos());
    }

    /** Counts a failed login; returns whether the address is now banned (and logs it). */
    public boolean recordLoginFailure(InetAddress address) {
        boolean banned = bans.recordFailure(address, settings());
        if (banned) {
            LOG.warn("Banned {} for {} s after {} failed logins", address.getHostAddress(),
                    settings().banDuration().toSeconds(), settings().banAfterFailures());
        }
        return banned;
    }
}
