package dev.wharf.api.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One thing the server needs that can fail on its own, such as a user database being reachable. Registered as an
 * OSGi service with {@link #NAME_PROPERTY} naming it in the report; the core calls {@link #check()} each time the
 * health is asked for, one check at a time, so it must answer within a few seconds (a bounded timeout of its own).
 */
@ConsumerType
public interface HealthCheck {

    /** Service property: the name shown in the report, e.g. {@code pgsql database}. */
    String NAME_PROPERTY = "wharf.health.name";

    /** What a check found: whether it is fine, and a short line saying what was checked or what is wrong. */
    record Result(boolean ok, String detail) {

        public static Result ok(String detail) {
            return new Result(true, detail);
        }

        public static Result failing(String detail) {
            return new Result(false, detail);
        }
    }

    /** Checks now (never throws: a failure is a {@link Result#failing} result). */
    Result check();
}
