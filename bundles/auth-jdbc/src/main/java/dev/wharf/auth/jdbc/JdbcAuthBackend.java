package dev.wharf.auth.jdbc;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.api.health.HealthCheck;
import dev.wharf.crypt.PasswordChecker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login logic of the SQL backends, free of OSGi: runs Pure-FTPd's query templates as prepared statements on a
 * pooled connection and turns the answers into an {@link AuthResult}. No row for the password query means the user
 * is unknown here; a database that cannot be reached or answers late means {@code unavailable} (421).
 */
final class JdbcAuthBackend implements AuthBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcAuthBackend.class);
    /** Pure-FTPd's SQL login name alphabet; anything else never reaches the database. */
    private static final Pattern LOGIN_NAME = Pattern.compile("[A-Za-z0-9 _.'@:+-]+");
    private static final long MEGABYTE = 1024L * 1024L;
    private static final long KILOBYTE = 1024L;

    private final String name;
    private final SqlSettings settings;
    private final PasswordChecker passwords;
    private final ConnectionPool pool;
    private final int queryTimeoutSeconds;

    /** A query answer: no row, exactly one (first column, may be null) or too many. */
    private record Lookup(int rows, String value) {
        static final Lookup NONE = new Lookup(0, null);
    }

    private static final class MalformedAccountException extends Exception {
        MalformedAccountException(String message) {
            super(message);
        }
    }

    JdbcAuthBackend(String name, SqlSettings settings, ConnectionPool pool, int queryTimeoutSeconds,
                    PasswordChecker passwords) {
        this.passwords = passwords;
        this.name = name;
        this.settings = settings;
        this.pool = pool;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        if (!LOGIN_NAME.matcher(request.user()).matches()) {
            return AuthResult.unknown();
        }
        if (request.password().isEmpty()) {
            return AuthResult.rejected("empty password");
        }
        try {
            return authenticateOnce(request, false);
        } catch (SQLException firstFailure) {
            LOG.warn("{} backend: database error for user '{}': {}", name, request.user(), describe(firstFailure));
            return AuthResult.unavailable(name + " database unavailable: " + describe(firstFailure));
        }
    }

    /** Whether the database answers now: a pooled connection that passes {@code isValid} within the timeout. */
    HealthCheck.Result reachable() {
        long start = System.nanoTime();
        try (ConnectionPool.Lease lease = pool.borrow()) {
            if (!lease.connection().isValid(queryTimeoutSeconds)) {
                lease.broken();
                return HealthCheck.Result.failing("database " + where() + " does not answer");
            }
            return HealthCheck.Result.ok("database " + where() + " reachable ("
                    + (System.nanoTime() - start) / 1_000_000 + " ms)");
        } catch (SQLException failure) {
            return HealthCheck.Result.failing("database " + where() + " unreachable: " + describe(failure));
        }
    }

    private String where() {
        return settings.server + ":" + settings.port + "/" + settings.database;
    }

    /** A reused connection that fails was probably killed by a database restart: try once on a fresh one. */
    private AuthResult authenticateOnce(LoginRequest request, boolean retry) throws SQLException {
        ConnectionPool.Lease lease = pool.borrow();
        SQLException failure;
        try {
            return lookUp(lease.connection(), request);
        } catch (SQLException failed) {
            lease.broken();
            failure = failed;
        } finally {
            lease.close();
        }
        if (lease.reused && !retry) {
            LOG.info("{} backend: pooled connection failed ({}); retrying on a new one", name, describe(failure));
            return authenticateOnce(request, true);
        }
        throw failure;
    }

    private AuthResult lookUp(Connection connection, LoginRequest request) throws SQLException {
        boolean transaction = settings.transactions;
        if (transaction) {
            connection.setAutoCommit(false);
        }
        try {
            AuthResult result = decide(connection, request);
            if (transaction) {
                connection.commit();
            }
            return result;
        } catch (SQLException | RuntimeException failed) {
            if (transaction) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the connection is discarded anyway
                }
            }
            throw failed;
        } finally {
            if (transaction) {
                connection.setAutoCommit(true);
            }
        }
    }

    private AuthResult decide(Connection connection, LoginRequest request) throws SQLException {
        Lookup password = query(connection, settings.getPassword, request);
        if (password.rows() == 0) {
            return AuthResult.unknown();
        }
        if (password.rows() > 1) {
            LOG.warn("{} backend: password query returned {} rows for user '{}'; login refused", name,
                    password.rows(), request.user());
            return AuthResult.rejected("ambiguous user: password query returned several rows");
        }
        if (!passwords.verifySql(settings.crypt, password.value(), request.password())) {
            return AuthResult.rejected("wrong password");
        }
        try {
            int uid = settings.getUid == null ? settings.defaultUid
                    : positiveId("uid", single(connection, settings.getUid, request, "uid"));
            int gid = settings.getGid == null ? settings.defaultGid
                    : positiveId("gid", single(connection, settings.getGid, request, "gid"));
            if (uid <= 0 || gid <= 0) {
                throw new MalformedAccountException("uid or gid 0 is not allowed");
            }
            String home = single(connection, settings.getDir, request, "home directory");
            if (home == null || !home.startsWith("/")) {
                throw new MalformedAccountException("home directory must be absolute, got '" + home + "'");
            }
            AccountLimits limits = new AccountLimits(
                    optionalNumber(connection, settings.getQuotaFiles, request, 1),
                    optionalNumber(connection, settings.getQuotaMegabytes, request, MEGABYTE),
                    optionalNumber(connection, settings.getBandwidthUpload, request, KILOBYTE),
                    optionalNumber(connection, settings.getBandwidthDownload, request, KILOBYTE),
                    (int) Math.min(Integer.MAX_VALUE, optionalNumber(connection, settings.getRatioUpload, request, 1)),
                    (int) Math.min(Integer.MAX_VALUE, optionalNumber(connection, settings.getRatioDownload, request,
                            1)),
                    0);
            Map<String, String> attributes = new HashMap<>();
            if (settings.getAttributes != null) {
                for (String[] row : rows(connection, settings.getAttributes, request, 2, "attributes")) {
                    if (row[0] == null || row[0].isBlank() || row[1] == null) {
                        throw new MalformedAccountException("the attributes query returned a row without a name "
                                + "or value");
                    }
                    attributes.put(row[0].strip(), row[1]);
                }
            }
            int[] groups = new int[0];
            if (settings.getGroups != null) {
                List<String[]> rows = rows(connection, settings.getGroups, request, 1, "groups");
                groups = new int[rows.size()];
                for (int i = 0; i < groups.length; i++) {
                    groups[i] = positiveId("group", rows.get(i)[0]);
                    if (groups[i] <= 0) {
                        throw new MalformedAccountException("supplementary group " + groups[i] + " is not allowed");
                    }
                }
            }
            return AuthResult.accepted(new Account(request.user(), home, uid, gid, limits, groups, attributes));
        } catch (MalformedAccountException malformed) {
            LOG.warn("{} backend: account '{}' refused: {}", name, request.user(), malformed.getMessage());
            return AuthResult.rejected(malformed.getMessage());
        }
    }

    private String single(Connection connection, QueryTemplate template, LoginRequest request, String what)
            throws SQLException, MalformedAccountException {
        Lookup lookup = query(connection, template, request);
        if (lookup.rows() != 1) {
            throw new MalformedAccountException("the " + what + " query returned " + lookup.rows()
                    + " rows instead of one");
        }
        return lookup.value();
    }

    private static int positiveId(String what, String value) throws MalformedAccountException {
        try {
            return Integer.parseInt(value == null ? "" : value.strip());
        } catch (NumberFormatException notNumber) {
            throw new MalformedAccountException(what + " '" + value + "' is not a number (names are not resolved)");
        }
    }

    /** An optional limit query: no query, no row, NULL or 0 mean no limit. */
    private long optionalNumber(Connection connection, QueryTemplate template, LoginRequest request, long unit)
            throws SQLException, MalformedAccountException {
        if (template == null) {
            return 0;
        }
        Lookup lookup = query(connection, template, request);
        if (lookup.rows() != 1 || lookup.value() == null || lookup.value().isBlank()) {
            return 0;
        }
        try {
            long value = (long) Double.parseDouble(lookup.value().strip());
            if (value < 0) {
                throw new MalformedAccountException("negative limit " + value);
            }
            return Math.multiplyHigh(value, unit) != 0 ? Long.MAX_VALUE : value * unit;
        } catch (NumberFormatException notNumber) {
            throw new MalformedAccountException("limit '" + lookup.value() + "' is not a number");
        }
    }

    /** More rows than an account can sensibly have: a query that returns more is a mistake, not data. */
    private static final int MAX_ROWS = 1000;

    /** Every row of the last result set, {@code columns} columns each (a multi-row query: attributes, groups). */
    private List<String[]> rows(Connection connection, QueryTemplate template, LoginRequest request, int columns,
                                String what) throws SQLException, MalformedAccountException {
        List<String[]> answer = List.of();
        for (QueryTemplate.Statement statement : template.statements()) {
            try (PreparedStatement prepared = connection.prepareStatement(statement.sql())) {
                prepared.setQueryTimeout(queryTimeoutSeconds);
                bind(prepared, statement.parameters(), request);
                if (prepared.execute()) {
                    try (ResultSet rows = prepared.getResultSet()) {
                        if (rows.getMetaData().getColumnCount() < columns) {
                            throw new MalformedAccountException("the " + what + " query must return " + columns
                                    + " column(s)");
                        }
                        List<String[]> read = new ArrayList<>();
                        while (rows.next()) {
                            if (read.size() == MAX_ROWS) {
                                throw new MalformedAccountException("the " + what + " query returned more than "
                                        + MAX_ROWS + " rows");
                            }
                            String[] row = new String[columns];
                            for (int column = 0; column < columns; column++) {
                                row[column] = rows.getString(column + 1);
                            }
                            read.add(row);
                        }
                        answer = read;
                    }
                }
            }
        }
        return answer;
    }

    /** Runs each statement of the template in turn; the last result set gives the answer. */
    private Lookup query(Connection connection, QueryTemplate template, LoginRequest request) throws SQLException {
        Lookup answer = Lookup.NONE;
        for (QueryTemplate.Statement statement : template.statements()) {
            try (PreparedStatement prepared = connection.prepareStatement(statement.sql())) {
                prepared.setQueryTimeout(queryTimeoutSeconds);
                bind(prepared, statement.parameters(), request);
                if (prepared.execute()) {
                    try (ResultSet rows = prepared.getResultSet()) {
                        answer = read(rows);
                    }
                }
            }
        }
        return answer;
    }

    private static Lookup read(ResultSet rows) throws SQLException {
        if (!rows.next()) {
            return Lookup.NONE;
        }
        String value = rows.getString(1);
        int count = 1;
        while (count < 2 && rows.next()) {
            count++;
        }
        return new Lookup(count, value);
    }

    private static void bind(PreparedStatement prepared, List<QueryTemplate.Parameter> parameters,
                             LoginRequest request) throws SQLException {
        for (int index = 0; index < parameters.size(); index++) {
            QueryTemplate.Parameter parameter = parameters.get(index);
            int position = index + 1;
            switch (parameter.placeholder()) {
                case 'L' -> prepared.setString(position, request.user());
                case 'I' -> prepared.setString(position, request.serverAddress().getAddress().getHostAddress());
                case 'R' -> prepared.setString(position, request.clientAddress().getAddress().getHostAddress());
                case 'P' -> {
                    int port = request.serverAddress().getPort();
                    if (parameter.numeric()) {
                        prepared.setLong(position, port);
                    } else {
                        prepared.setString(position, Integer.toString(port));
                    }
                }
                case 'D' -> {
                    Long decimal = ipv4AsNumber(request.clientAddress().getAddress());
                    if (parameter.numeric()) {
                        if (decimal == null) {
                            prepared.setNull(position, Types.BIGINT);
                        } else {
                            prepared.setLong(position, decimal);
                        }
                    } else {
                        prepared.setString(position, decimal == null ? "" : decimal.toString());
                    }
                }
                default -> throw new IllegalStateException("unknown placeholder " + parameter.placeholder());
            }
        }
    }

    static Long ipv4AsNumber(InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            return null;
        }
        byte[] bytes = address.getAddress();
        return ((bytes[0] & 0xffL) << 24) | ((bytes[1] & 0xffL) << 16) | ((bytes[2] & 0xffL) << 8) | (bytes[3] & 0xffL);
    }

    /** The error without anything that could carry a password (the driver's messages do not contain one). */
    private static String describe(SQLException failure) {
        List<String> parts = new ArrayList<>();
        parts.add(failure.getClass().getSimpleName());
        if (failure.getSQLState() != null) {
            parts.add("SQLState " + failure.getSQLState());
        }
        if (failure.getMessage() != null) {
            parts.add(failure.getMessage().lines().findFirst().orElse(""));
        }
        return String.join(", ", parts);
    }

    @Override
    public void close() {
        pool.close();
    }
}
