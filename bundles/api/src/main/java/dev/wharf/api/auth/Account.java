package dev.wharf.api.auth;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * A logged-in user as a backend describes it.
 *
 * <p>{@code home} follows Pure-FTPd's convention: {@code /srv/ftp/./joe} confines the user to {@code /srv/ftp}
 * and starts the session in {@code /joe}; a home without {@code /./} is both the root and the start directory.
 * Wharf confines every account to its root whatever the home says.
 *
 * @param name   the account name as the session will show it
 * @param home   absolute home directory, optionally with one {@code /./} marker
 * @param uid    numeric owner for new files (informational when the server runs as one system user); never 0
 * @param gid    numeric group for new files; never 0
 * @param limits per-account limits; {@link AccountLimits#NONE} for none
 * @param groups supplementary groups the backend gives the account, besides {@code gid} (sorted, no duplicates);
 *               a server that acts as the account judges access for them too
 * @param attributes further settings the backend carries for the core and other bundles, by name (e.g. which
 *               storage serves the account); unmodifiable, never null. Names with a dot are namespaced by their
 *               first segment: {@code storage.*} belongs to storage providers
 * @since 1.3.0 ({@code groups}, {@code attributes})
 */
public record Account(String name, String home, int uid, int gid, AccountLimits limits, int[] groups,
                      Map<String, String> attributes) {

    private static final String CHROOT_MARKER = "/./";
    private static final int[] NO_GROUPS = new int[0];

    public Account {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(limits, "limits");
        if (!home.startsWith("/")) {
            throw new IllegalArgumentException("home must be absolute: " + home);
        }
        groups = groups == null ? NO_GROUPS : Arrays.stream(groups).sorted().distinct().toArray();
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** An account without supplementary groups or attributes (the 1.2 shape). */
    public Account(String name, String home, int uid, int gid, AccountLimits limits) {
        this(name, home, uid, gid, limits, NO_GROUPS, Map.of());
    }

    /** This account with {@code groups} as its supplementary groups. */
    public Account withGroups(int... groups) {
        return new Account(name, home, uid, gid, limits, groups, attributes);
    }

    /** This account with {@code attributes} replacing its attributes. */
    public Account withAttributes(Map<String, String> attributes) {
        return new Account(name, home, uid, gid, limits, groups, attributes);
    }

    /** The attribute {@code name}, or {@code fallback} when the backend gave none. */
    public String attribute(String name, String fallback) {
        return attributes.getOrDefault(name, fallback);
    }

    @Override
    public int[] groups() {
        return groups.length == 0 ? NO_GROUPS : groups.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Account that && name.equals(that.name) && home.equals(that.home) && uid == that.uid
                && gid == that.gid && limits.equals(that.limits) && Arrays.equals(groups, that.groups)
                && attributes.equals(that.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, home, uid, gid, limits, Arrays.hashCode(groups), attributes);
    }

    @Override
    public String toString() {
        // attributes may hold secrets (storage credentials): only their names are shown
        return "Account[name=" + name + ", home=" + home + ", uid=" + uid + ", gid=" + gid + ", limits=" + limits
                + ", groups=" + Arrays.toString(groups) + ", attributes=" + attributes.keySet() + "]";
    }

    /** The directory the account is confined to: the part of {@code home} before {@code /./}, else all of it. */
    public String rootDirectory() {
        int marker = home.indexOf(CHROOT_MARKER);
        String root = marker < 0 ? home : home.substring(0, marker);
        return root.isEmpty() ? "/" : root;
    }

    /** Where the session starts, relative to {@link #rootDirectory()}: {@code /joe} for {@code /srv/ftp/./joe}. */
    public String startDirectory() {
        int marker = home.indexOf(CHROOT_MARKER);
        if (marker < 0) {
            return "/";
        }
        String rest = home.substring(marker + CHROOT_MARKER.length());
        while (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        return "/" + rest;
    }
}
