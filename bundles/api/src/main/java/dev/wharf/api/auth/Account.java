package dev.wharf.api.auth;

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
 */
public record Account(String name, String home, int uid, int gid, AccountLimits limits) {

    private static final String CHROOT_MARKER = "/./";

    public Account {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(limits, "limits");
        if (!home.startsWith("/")) {
            throw new IllegalArgumentException("home must be absolute: " + home);
        }
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
