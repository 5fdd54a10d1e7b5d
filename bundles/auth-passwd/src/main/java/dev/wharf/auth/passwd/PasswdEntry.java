package dev.wharf.auth.passwd;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;

/**
 * One line of a Pure-FTPd {@code pureftpd.passwd} file: 18 fields separated by {@code :}, in this order. The file
 * already holds bandwidths in bytes per second and the size quota in bytes: pure-pw multiplies its KB/s and MB
 * options before writing, so no conversion happens here. An empty number field means "no limit" and reads as 0.
 */
record PasswdEntry(String user, String passwordHash, int uid, int gid, String gecos, String home,
                   long uploadBandwidth, long downloadBandwidth, int uploadRatio, int downloadRatio,
                   int maxSessions, long quotaFiles, long quotaBytes,
                   String allowedLocalIps, String deniedLocalIps, String allowedClientIps, String deniedClientIps,
                   String timeRestriction) {

    static final int FIELD_COUNT = 18;

    /** A line that cannot be read; the message says why without quoting the line (it holds a hash). */
    static final class MalformedLineException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedLineException(String message) {
            super(message);
        }
    }

    static PasswdEntry parse(String line) throws MalformedLineException {
        String[] fields = line.split(":", -1);
        if (fields.length != FIELD_COUNT) {
            throw new MalformedLineException("expected " + FIELD_COUNT + " ':'-separated fields, found "
                    + fields.length);
        }
        if (fields[0].isEmpty()) {
            throw new MalformedLineException("empty account name");
        }
        if (!fields[5].startsWith("/")) {
            throw new MalformedLineException("home directory must be absolute");
        }
        return new PasswdEntry(fields[0], fields[1],
                id(fields[2], "uid"), id(fields[3], "gid"), fields[4], fields[5],
                number(fields[6], "upload bandwidth"), number(fields[7], "download bandwidth"),
                smallNumber(fields[8], "upload ratio"), smallNumber(fields[9], "download ratio"),
                smallNumber(fields[10], "max sessions"), number(fields[11], "files quota"),
                number(fields[12], "size quota"),
                fields[13], fields[14], fields[15], fields[16], fields[17]);
    }

    Account toAccount() {
        return new Account(user, home, uid, gid, new AccountLimits(quotaFiles, quotaBytes, uploadBandwidth,
                downloadBandwidth, uploadRatio, downloadRatio, maxSessions));
    }

    /** The line as pure-pw would write it. */
    String toLine() {
        return String.join(":", user, passwordHash, Integer.toString(uid), Integer.toString(gid), gecos, home,
                optional(uploadBandwidth), optional(downloadBandwidth), optional(uploadRatio),
                optional(downloadRatio), optional(maxSessions), optional(quotaFiles), optional(quotaBytes),
                allowedLocalIps, deniedLocalIps, allowedClientIps, deniedClientIps, timeRestriction);
    }

    private static String optional(long value) {
        return value == 0 ? "" : Long.toString(value);
    }

    /** A numeric uid or gid; 0 is read as such and refused at login, so the line still claims the name. */
    private static int id(String text, String field) throws MalformedLineException {
        try {
            int value = Integer.parseInt(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new MalformedLineException(field + " must be a non-negative number");
    }

    private static int smallNumber(String text, String field) throws MalformedLineException {
        long value = number(text, field);
        if (value > Integer.MAX_VALUE) {
            throw new MalformedLineException(field + " is too large");
        }
        return (int) value;
    }

    /** Empty means "no limit", stored as 0. */
    private static long number(String text, String field) throws MalformedLineException {
        if (text.isEmpty()) {
            return 0;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new MalformedLineException(field + " must be a non-negative number");
    }
}
