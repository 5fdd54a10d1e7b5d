package dev.wharf.auth.ldap;

import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.SSLUtil;
import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.api.health.HealthCheck;
import dev.wharf.crypt.PasswordChecker;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login logic of the LDAP backend, free of OSGi: finds the user's entry with the configured filter (the login
 * name escaped as an assertion value), then either binds as that entry ({@code BIND}) or checks its
 * {@code userPassword} ({@code PASSWORD}). Reads Pure-FTPd's attributes: FTPStatus, FTPuid/FTPgid over
 * uidNumber/gidNumber, FTPQuotaFiles, FTPQuotaMBytes, FTPUpload/DownloadBandwidth (KB/s), FTPUpload/DownloadRatio.
 * A directory that cannot be reached or answers late means {@code unavailable} (421).
 */
final class LdapAuthBackend implements AuthBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LdapAuthBackend.class);
    /** Pure-FTPd's LDAP login name alphabet. */
    private static final Pattern LOGIN_NAME = Pattern.compile("[A-Za-z0-9 _.'@-]+");
    private static final long MEGABYTE = 1024L * 1024L;
    private static final long KILOBYTE = 1024L;

    private final LdapSettings settings;
    /** The crypt bundle\'s checker, which bounds the cost of hashing for the whole server. */
    private final PasswordChecker passwords;
    private final LDAPConnectionPool pool;
    private final int timeoutMillis;

    private static final class MalformedAccountException extends Exception {
        MalformedAccountException(String message) {
            super(message);
        }
    }

    /**
     * @param trust trust for LDAPS and StartTLS; {@code null} for the JVM's default trust store
     */
    LdapAuthBackend(LdapSettings settings, int poolSize, int timeoutSeconds, TrustManager trust,
                    PasswordChecker passwords) throws LDAPException, GeneralSecurityException {
        this.passwords = passwords;
        this.settings = settings;
        this.timeoutMillis = timeoutSeconds * 1000;
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis(timeoutMillis);
        options.setResponseTimeoutMillis(timeoutMillis);
        options.setAbandonOnTimeout(true);
        SSLUtil ssl = trust == null ? new SSLUtil() : new SSLUtil(trust);
        SingleServerSet servers;
        PostConnectProcessor startTls = null;
        if (settings.ldaps || settings.startTls) {
            options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        }
        if (settings.ldaps) {
            servers = new SingleServerSet(settings.server, settings.port, ssl.createSSLSocketFactory(), options);
        } else {
            servers = new SingleServerSet(settings.server, settings.port, options);
            if (settings.startTls) {
                startTls = new StartTLSPostConnectProcessor(ssl.createSSLSocketFactory());
            }
        }
        BindRequest serviceBind = settings.bindDn.isEmpty() ? null
                : new SimpleBindRequest(settings.bindDn, settings.bindPassword);
        // no connection at start: a directory that is down now must not keep the backend from starting
        pool = new LDAPConnectionPool(servers, serviceBind, 0, Math.max(1, poolSize), startTls, false);
        pool.setCreateIfNecessary(true);
        pool.setMaxWaitTimeMillis(timeoutMillis);
        pool.setRetryFailedOperationsDueToInvalidConnections(true);
        pool.setConnectionPoolName("wharf-auth-ldap");
    }

    /** Whether the directory answers now: its root DSE read through the pool within the timeout. */
    HealthCheck.Result reachable() {
        long start = System.nanoTime();
        try {
            pool.getRootDSE();
            return HealthCheck.Result.ok(this + " reachable (" + (System.nanoTime() - start) / 1_000_000 + " ms)");
        } catch (LDAPException failure) {
            return HealthCheck.Result.failing(this + " unreachable: " + failure.getResultCode()
                    + " " + failure.getDiagnosticMessage());
        }
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        if (!LOGIN_NAME.matcher(request.user()).matches()) {
            return AuthResult.unknown();
        }
        if (request.password().isEmpty()) {
            return AuthResult.rejected("empty password"); // an empty simple bind would be anonymous
        }
        try {
            return decide(request);
        } catch (LDAPException failure) {
            LOG.warn("ldap backend: directory error for user '{}': {} ({})", request.user(),
                    failure.getResultCode(), failure.getDiagnosticMessage());
            return AuthResult.unavailable("LDAP directory unavailable: " + failure.getResultCode());
        }
    }

    private AuthResult decide(LoginRequest request) throws LDAPException {
        List<String> wanted = new ArrayList<>(List.of("userPassword", settings.homeAttribute, "uidNumber",
                "gidNumber", "FTPuid", "FTPgid", "FTPStatus", "FTPQuotaFiles", "FTPQuotaMBytes", "FTPUploadBandwidth",
                "FTPDownloadBandwidth", "FTPUploadRatio", "FTPDownloadRatio"));
        wanted.addAll(settings.attributeMapping.values());
        if (settings.groupAttribute != null) {
            wanted.add(settings.groupAttribute);
        }
        SearchRequest search = new SearchRequest(settings.baseDn, SearchScope.SUB, userFilter(settings.filter,
                request.user()), wanted.toArray(String[]::new));
        search.setSizeLimit(2);
        search.setTimeLimitSeconds(Math.max(1, timeoutMillis / 1000));
        search.setResponseTimeoutMillis(timeoutMillis);
        SearchResult result;
        try {
            result = pool.search(search);
        } catch (LDAPSearchException failure) {
            if (failure.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                return ambiguous(request);
            }
            if (failure.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                LOG.warn("ldap backend: base DN '{}' does not exist", settings.baseDn);
                return AuthResult.unknown();
            }
            throw failure;
        }
        if (result.getEntryCount() == 0) {
            return AuthResult.unknown();
        }
        if (result.getEntryCount() > 1) {
            return ambiguous(request);
        }
        SearchResultEntry entry = result.getSearchEntries().get(0);
        String status = entry.getAttributeValue("FTPStatus");
        if (status != null && !status.equalsIgnoreCase("enabled") && !status.equalsIgnoreCase("TRUE")) {
            return AuthResult.rejected("FTPStatus is " + status);
        }
        if (!passwordMatches(entry, request.password())) {
            return AuthResult.rejected("wrong password");
        }
        try {
            int uid = id(entry, "FTPuid", "uidNumber", settings.defaultUid, settings.forceDefaultUid);
            int gid = id(entry, "FTPgid", "gidNumber", settings.defaultGid, settings.forceDefaultGid);
            if (uid <= 0 || gid <= 0) {
                throw new MalformedAccountException("uid or gid 0 (or none) is not allowed");
            }
            String home = entry.getAttributeValue(settings.homeAttribute);
            if (home == null || home.isBlank()) {
                home = settings.defaultHome;
            }
            if (home == null || !home.startsWith("/")) {
                throw new MalformedAccountException("home directory must be absolute, got '" + home + "'");
            }
            AccountLimits limits = new AccountLimits(number(entry, "FTPQuotaFiles", 1),
                    number(entry, "FTPQuotaMBytes", MEGABYTE), number(entry, "FTPUploadBandwidth", KILOBYTE),
                    number(entry, "FTPDownloadBandwidth", KILOBYTE),
                    (int) Math.min(Integer.MAX_VALUE, number(entry, "FTPUploadRatio", 1)),
                    (int) Math.min(Integer.MAX_VALUE, number(entry, "FTPDownloadRatio", 1)), 0);
            Map<String, String> attributes = new HashMap<>();
            settings.attributeMapping.forEach((name, ldapAttribute) -> {
                String value = entry.getAttributeValue(ldapAttribute);
                if (value != null) {
                    attributes.put(name, value);
                }
            });
            return AuthResult.accepted(new Account(request.user(), home, uid, gid, limits, groups(entry, request),
                    attributes));
        } catch (MalformedAccountException malformed) {
            LOG.warn("ldap backend: account '{}' ({}) refused: {}", request.user(), entry.getDN(),
                    malformed.getMessage());
            return AuthResult.rejected(malformed.getMessage());
        }
    }

    /** Most groups an account is looked up in: more is a directory mistake, not data. */
    private static final int MAX_GROUPS = 1000;

    /**
     * Supplementary groups: the numbers in {@code LDAPGroupAttribute} of the user's entry, and the
     * {@code gidNumber} of each entry {@code LDAPGroupFilter} finds (posixGroup entries naming the user).
     */
    private int[] groups(SearchResultEntry entry, LoginRequest request)
            throws LDAPException, MalformedAccountException {
        List<String> numbers = new ArrayList<>();
        if (settings.groupAttribute != null) {
            String[] values = entry.getAttributeValues(settings.groupAttribute);
            if (values != null) {
                numbers.addAll(List.of(values));
            }
        }
        if (settings.groupFilter != null) {
            SearchRequest search = new SearchRequest(settings.baseDn, SearchScope.SUB,
                    userFilter(settings.groupFilter, request.user()), "gidNumber");
            search.setSizeLimit(MAX_GROUPS);
            search.setTimeLimitSeconds(Math.max(1, timeoutMillis / 1000));
            search.setResponseTimeoutMillis(timeoutMillis);
            for (SearchResultEntry group : pool.search(search).getSearchEntries()) {
                String number = group.getAttributeValue("gidNumber");
                if (number != null) {
                    numbers.add(number);
                }
            }
        }
        int[] groups = new int[numbers.size()];
        for (int i = 0; i < groups.length; i++) {
            try {
                groups[i] = Integer.parseInt(numbers.get(i).strip());
            } catch (NumberFormatException notNumber) {
                throw new MalformedAccountException("group '" + numbers.get(i) + "' is not a number");
            }
            if (groups[i] <= 0) {
                throw new MalformedAccountException("supplementary group " + groups[i] + " is not allowed");
            }
        }
        return groups;
    }

    private boolean passwordMatches(SearchResultEntry entry, String password) throws LDAPException {
        if (settings.authMethod == LdapSettings.AuthMethod.PASSWORD) {
            String stored = entry.getAttributeValue("userPassword");
            return passwords.verifyLdap(stored, password);
        }
        try {
            // binds one pooled connection as the user, then back to the service identity
            pool.bindAndRevertAuthentication(new SimpleBindRequest(entry.getDN(), password));
            return true;
        } catch (LDAPException refused) {
            if (refused.getResultCode() == ResultCode.INVALID_CREDENTIALS
                    || refused.getResultCode() == ResultCode.INAPPROPRIATE_AUTHENTICATION
                    || refused.getResultCode() == ResultCode.UNWILLING_TO_PERFORM) {
                return false;
            }
            throw refused;
        }
    }

    private static AuthResult ambiguous(LoginRequest request) {
        LOG.warn("ldap backend: several entries match user '{}'; login refused", request.user());
        return AuthResult.rejected("ambiguous user: several entries match");
    }

    /** The configured filter with {@code \L} replaced by the login escaped as an RFC 4515 assertion value. */
    static Filter userFilter(String template, String login) throws LDAPException {
        return Filter.create(template.replace("\\L", Filter.encodeValue(login)));
    }

    private static int id(SearchResultEntry entry, String ftpAttribute, String posixAttribute, int fallback,
                          boolean forceDefault) throws MalformedAccountException {
        if (forceDefault) {
            return fallback;
        }
        String value = entry.getAttributeValue(ftpAttribute);
        if (value == null) {
            value = entry.getAttributeValue(posixAttribute);
        }
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException notNumber) {
            throw new MalformedAccountException(ftpAttribute + "/" + posixAttribute + " '" + value
                    + "' is not a number");
        }
    }

    private static long number(SearchResultEntry entry, String attribute, long unit)
            throws MalformedAccountException {
        String value = entry.getAttributeValue(attribute);
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed < 0) {
                throw new MalformedAccountException(attribute + " is negative");
            }
            return Math.multiplyHigh(parsed, unit) != 0 ? Long.MAX_VALUE : parsed * unit;
        } catch (NumberFormatException notNumber) {
            throw new MalformedAccountException(attribute + " '" + value + "' is not a number");
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "ldap backend " + (settings.ldaps ? "ldaps" : "ldap") + "://" + settings.server + ":" + settings.port
                + "/" + settings.baseDn.toLowerCase(Locale.ROOT);
    }
}
