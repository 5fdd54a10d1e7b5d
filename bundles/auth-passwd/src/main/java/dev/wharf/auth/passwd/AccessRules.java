package dev.wharf.auth.passwd;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.LocalTime;

/**
 * The per-user IP and time restrictions of a passwd entry. Like Pure-FTPd, a rule that cannot be understood
 * refuses the login (fails closed) rather than being ignored.
 */
final class AccessRules {

    /** A rule in the file is malformed; the login is refused and the message is logged. */
    static final class BadRuleException extends Exception {
        private static final long serialVersionUID = 1L;

        BadRuleException(String message) {
            super(message);
        }
    }

    private AccessRules() {
    }

    /**
     * Allow list only: the address must match. Deny list only: it must not. Both: it must match allow and not
     * deny. Entries: {@code a.b.c.d}, {@code a.b.c.d/bits}, IPv6 {@code addr[/prefix]}, or a host name.
     */
    static boolean addressPermitted(InetAddress address, String allowed, String denied) throws BadRuleException {
        if (address == null) {
            // An unresolved socket address cannot be matched: only an account without rules may pass.
            return allowed.isBlank() && denied.isBlank();
        }
        if (!allowed.isBlank() && !matchesAny(address, allowed)) {
            return false;
        }
        return denied.isBlank() || !matchesAny(address, denied);
    }

    private static boolean matchesAny(InetAddress address, String list) throws BadRuleException {
        for (String entry : list.split(",")) {
            String rule = entry.strip();
            if (!rule.isEmpty() && matches(address, rule)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(InetAddress address, String rule) throws BadRuleException {
        int slash = rule.indexOf('/');
        String host = slash < 0 ? rule : rule.substring(0, slash);
        InetAddress[] candidates;
        try {
            candidates = InetAddress.getAllByName(host);
        } catch (UnknownHostException unknown) {
            throw new BadRuleException("unknown host or address '" + host + "'");
        }
        for (InetAddress candidate : candidates) {
            byte[] network = candidate.getAddress();
            byte[] actual = address.getAddress();
            if (network.length != actual.length) {
                continue;
            }
            int bits = network.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(rule.substring(slash + 1));
                } catch (NumberFormatException notANumber) {
                    throw new BadRuleException("bad prefix length in '" + rule + "'");
                }
                if (bits < 0 || bits > network.length * 8) {
                    throw new BadRuleException("bad prefix length in '" + rule + "'");
                }
            }
            if (samePrefix(network, actual, bits)) {
                return true;
            }
        }
        return false;
    }

    private static boolean samePrefix(byte[] a, byte[] b, int bits) {
        int fullBytes = bits / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[fullBytes] & mask) == (b[fullBytes] & mask);
    }

    /** {@code hhmm-hhmm} in server local time, both ends included; wraps past midnight when begin > end. */
    static boolean timePermitted(LocalTime now, String restriction) throws BadRuleException {
        if (restriction.isBlank()) {
            return true;
        }
        String[] ends = restriction.strip().split("-", -1);
        if (ends.length != 2) {
            throw new BadRuleException("time restriction must look like 0900-1800");
        }
        int begin = minutes(ends[0]);
        int end = minutes(ends[1]);
        int current = now.getHour() * 60 + now.getMinute();
        return begin <= end ? current >= begin && current <= end : current >= begin || current <= end;
    }

    /** pure-pw writes {@code 900-1800} for {@code -z 0900-1800}: up to four digits, the last two minutes. */
    private static int minutes(String hhmm) throws BadRuleException {
        if (!hhmm.matches("\\d{1,4}")) {
            throw new BadRuleException("time restriction must look like 0900-1800");
        }
        int value = Integer.parseInt(hhmm);
        int hours = value / 100;
        int minutes = value % 100;
        if (hours > 23 || minutes > 59) {
            throw new BadRuleException("time restriction must look like 0900-1800");
        }
        return hours * 60 + minutes;
    }
}
