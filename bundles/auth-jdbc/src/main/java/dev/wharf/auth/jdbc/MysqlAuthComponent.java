package dev.wharf.auth.jdbc;

import dev.wharf.crypt.PasswordChecker;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.api.health.HealthCheck;
import java.sql.SQLException;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * MySQL/MariaDB users, configured under PID {@value #PID}; active only while that configuration exists and a
 * {@code DataSourceFactory} for {@code com.mysql.cj.jdbc.Driver} is registered.
 */
@Component(service = {AuthBackend.class, HealthCheck.class}, configurationPid = MysqlAuthComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {AuthBackend.NAME_PROPERTY + "=mysql",
                HealthCheck.NAME_PROPERTY + "=mysql users"})
@Designate(ocd = SqlBackendConfig.class)
public class MysqlAuthComponent implements AuthBackend, HealthCheck {

    static final String PID = "dev.wharf.auth.mysql";

    private final JdbcAuthBackend backend;

    @Activate
    public MysqlAuthComponent(BundleContext context, SqlBackendConfig config, Map<String, Object> properties,
            @Reference(target = "(" + DataSourceFactory.OSGI_JDBC_DRIVER_CLASS + "=com.mysql.cj.jdbc.Driver)")
            DataSourceFactory drivers, @Reference PasswordChecker passwords) throws SQLException {
        backend = SqlBackends.create(SqlDialect.MYSQL, "mysql", config, properties, SqlBackends.serverHome(context),
                drivers.createDriver(null), passwords);
    }

    @Override
    public AuthResult authenticate(LoginRequest request) {
        return backend.authenticate(request);
    }

    /** The database answers (bin/wharf status). */
    @Override
    public Result check() {
        return backend.reachable();
    }

    @Deactivate
    void deactivate() {
        backend.close();
    }
}
