package dev.wharf.core.security;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address across connections, and the addresses banned for too many of them. Kept in
 * memory: a restart forgets bans, which an admin can also lift by hand.
 */
public final class BanList {

    private final Clock clock;
    private final Map<InetAddress, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final Map<InetAddress, Instant> bannedUntil = new ConcurrentHashMap<>();

    public BanList(Clock clock) {
        this.clock = clock;
    }

    /** Counts a failure; returns whether the address is banned now. */
    public boolean recordFailure(InetAddress address, SecuritySettings settings) {
        if (settings.banAfterFailures() == 0) {
            return false;
        }
        Instant now = clock.instant();
        Deque<Instant> recent = failures.computeIfAbsent(address, ignored -> new ArrayDeque<>());
        synchronized (recent) {
            recent.addLast(now);
            while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(settings.banWindow()))) {
                recent.removeFirst();
            }
            if (recent.size() < settings.banAfterFailures()) {
                return false;
            }
            recent.clear();
        }
        bannedUntil.put(address, now.plus(settings.banDuration()));
        return true;
    }

    /** Whether the address is banned now; expired bans are dropped. */
    public boolean isBanned(InetAddress address) {
        Instant until = bannedUntil.get(address);
        if (until == null) {
            return false;
        }
        if (clock.instant().isBefore(until)) {
            return true;
        }
        bannedUntil.remove(address, until);
        return false;
    }

    /** Lifts a ban (and forgets the failures); returns whether there was one. */
    public boolean unban(InetAddress address) {
        failures.remove(address);
        return bannedUntil.remove(address) != null;
    }

    /** Current bans with their remaining time, by address. */
    public Map<String, Duration> bans() {
        Instant now = clock.instant();
        Map<String, Duration> current = new TreeMap<>();
        bannedUntil.forEach((address, until) -> {
            if (now.isBefore(until)) {
                current.put(address.getHostAddress(), Duration.between(now, until));
            }
        });
        return current;
    }
}
