package dev.wharf.auth.extauth;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/** Pure-FTPd's extauth line protocol (pure-authd): the request Wharf sends and the reply it reads. */
final class ExtAuthProtocol {

    /** Pure-FTPd reads at most this much of a reply. */
    static final int MAX_REPLY = 4095;

    private ExtAuthProtocol() {
    }

    /** The request, byte for byte as pure-ftpd writes it. Line breaks in values are dropped (they would add keys). */
    static String request(LoginRequest login) {
        return "account:" + clean(login.user()) + "\n"
                + "password:" + clean(login.password()) + "\n"
                + "localhost:" + login.serverAddress().getAddress().getHostAddress() + "\n"
                + "localport:" + login.serverAddress().getPort() + "\n"
                + "peer:" + login.clientAddress().getAddress().getHostAddress() + "\n"
                + "sni_name:" + sniName(login.serverName()) + "\n"
                + "encrypted:" + (login.secure() ? "1" : "0") + "\n"
                + "end\n";
    }

    /** As pure-ftpd passes it on: letters, digits, dot, underscore and dash, at most 255 characters; else empty. */
    private static String sniName(String name) {
        return name != null && name.matches("[A-Za-z0-9._-]{1,255}") ? name : "";
    }

    private static String clean(String value) {
        return value.replace("\n", "").replace("\r", "");
    }

    /** Request keys to values, up to {@code end}; null when {@code end} has not arrived yet. */
    static Map<String, String> parseRequest(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\n", -1)) {
            if (line.equals("end")) {
                return fields;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return null;
    }

    /**
     * The decision a reply stands for, as pure-ftpd reads it: auth_ok 1 with uid, gid above 0 and an absolute dir
     * logs in, 0 passes to the next backend, anything else (including a reply without {@code end}) refuses.
     */
    static AuthResult decide(String user, String reply) {
        int authOk = -1;
        boolean ended = false;
        long uid = 0;
        long gid = 0;
        String dir = null;
        long uploadBandwidth = 0;
        long downloadBandwidth = 0;
        long quotaBytes = 0;
        long quotaFiles = 0;
        long uploadRatio = 0;
        long downloadRatio = 0;
        long maxSessions = 0;
        for (String line : reply.split("\n")) {
            if (line.startsWith("auth_ok:")) {
                authOk = (int) Math.max(-1, Math.min(1, number(line, -1)));
            } else if (line.startsWith("uid:")) {
                uid = number(line, 0);
            } else if (line.startsWith("gid:")) {
                gid = number(line, 0);
            } else if (line.startsWith("dir:")) {
                String value = value(line);
                if (value.startsWith("/")) {
                    dir = value;
                }
            } else if (line.startsWith("throttling_bandwidth_ul:")) {
                uploadBandwidth = number(line, 0);
            } else if (line.startsWith("throttling_bandwidth_dl:")) {
                downloadBandwidth = number(line, 0);
            } else if (line.startsWith("user_quota_size:")) {
                quotaBytes = number(line, 0);
            } else if (line.startsWith("user_quota_files:")) {
                quotaFiles = number(line, 0);
            } else if (line.startsWith("ratio_upload:")) {
                uploadRatio = number(line, 0);
            } else if (line.startsWith("ratio_download:")) {
                downloadRatio = number(line, 0);
            } else if (line.startsWith("per_user_max:")) {
                maxSessions = number(line, 0);
            } else if (line.startsWith("end")) {
                ended = true;
                break;
            }
        }
        if (!ended) {
            return AuthResult.rejected("handler reply has no 'end' line");
        }
        if (authOk == 0) {
            return AuthResult.unknown();
        }
        if (authOk != 1) {
            return AuthResult.rejected("handler refused (auth_ok:" + authOk + ")");
        }
        if (uid <= 0 || gid <= 0 || uid > Integer.MAX_VALUE || gid > Integer.MAX_VALUE || dir == null) {
            return AuthResult.rejected("handler accepted without uid/gid above 0 and an absolute dir");
        }
        AccountLimits limits = new AccountLimits(positive(quotaFiles), positive(quotaBytes),
                positive(uploadBandwidth), positive(downloadBandwidth), small(uploadRatio), small(downloadRatio),
                small(maxSessions));
        return AuthResult.accepted(new Account(user, dir, (int) uid, (int) gid, limits));
    }

    private static String value(String line) {
        return line.substring(line.indexOf(':') + 1).strip();
    }

    /** Like atoi/strtoull: a bad number counts as the fallback. */
    private static long number(String line, long fallback) {
        try {
            return Long.parseLong(value(line));
        } catch (NumberFormatException bad) {
            return fallback;
        }
    }

    private static long positive(long value) {
        return Math.max(0, value);
    }

    private static int small(long value) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, value));
    }
}
