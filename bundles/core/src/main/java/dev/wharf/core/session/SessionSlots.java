package dev.wharf.core.session;

import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * One listener's two budgets: connections that have not logged in yet ({@code max.unauthenticated}) and logged-in
 * sessions ({@code max.clients}). They are counted apart so that connections which never log in (a slowloris
 * attack, a port scanner) can never take a logged-in user's place; when the waiting room is full, the connection
 * that has waited longest is closed to make room, since a real client logs in within moments of connecting.
 */
public final class SessionSlots {

    private final int maxLoggedIn;
    private final int maxWaiting;
    /** Not logged in, oldest first. */
    private final LinkedHashSet<FtpSession> waiting = new LinkedHashSet<>();
    private int loggedIn;

    public SessionSlots(int maxLoggedIn, int maxWaiting) {
        this.maxLoggedIn = maxLoggedIn;
        this.maxWaiting = maxWaiting;
    }

    /**
     * Admits a new connection; returns the waiting connection it displaced (to be closed by the caller, outside
     * this lock), or {@code null}.
     */
    public synchronized FtpSession admit(FtpSession session) {
        FtpSession displaced = null;
        if (waiting.size() >= maxWaiting) {
            Iterator<FtpSession> oldest = waiting.iterator();
            displaced = oldest.next();
            oldest.remove();
        }
        waiting.add(session);
        return displaced;
    }

    /** Whether every logged-in place is taken (new connections are told so at once, as Pure-FTPd does). */
    public synchronized boolean full() {
        return loggedIn >= maxLoggedIn;
    }

    /** Moves a session that just authenticated to the logged-in budget; false when that budget is full. */
    synchronized boolean logIn(FtpSession session) {
        if (loggedIn >= maxLoggedIn) {
            return false;
        }
        waiting.remove(session);
        loggedIn++;
        return true;
    }

    /** REIN: the session waits for a login again. */
    synchronized void logOut(FtpSession session) {
        loggedIn--;
        waiting.add(session);
    }

    /** The session has ended, logged in or not. */
    synchronized void ended(FtpSession session, boolean wasLoggedIn) {
        if (wasLoggedIn) {
            loggedIn--;
        } else {
            waiting.remove(session);
        }
    }

    public int maxLoggedIn() {
        return maxLoggedIn;
    }

    synchronized int loggedIn() {
        return loggedIn;
    }

    synchronized int waiting() {
        return waiting.size();
    }
}
