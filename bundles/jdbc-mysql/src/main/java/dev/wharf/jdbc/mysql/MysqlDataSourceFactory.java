package dev.wharf.jdbc.mysql;

import com.mysql.cj.jdbc.MysqlConnectionPoolDataSource;
import com.mysql.cj.jdbc.MysqlDataSource;
import com.mysql.cj.jdbc.MysqlXADataSource;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import javax.sql.ConnectionPoolDataSource;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jdbc.DataSourceFactory;

/**
 * The OSGi JDBC service for MySQL Connector/J (also the driver for MariaDB here): Connector/J is an OSGi bundle
 * but registers no {@link DataSourceFactory}, and {@code DriverManager} does not see bundle class loaders.
 */
@Component(property = {
        DataSourceFactory.OSGI_JDBC_DRIVER_CLASS + "=com.mysql.cj.jdbc.Driver",
        DataSourceFactory.OSGI_JDBC_DRIVER_NAME + "=MySQL Connector/J"})
public class MysqlDataSourceFactory implements DataSourceFactory {

    @Override
    public DataSource createDataSource(Properties props) throws SQLException {
        return configure(new MysqlDataSource(), props);
    }

    @Override
    public ConnectionPoolDataSource createConnectionPoolDataSource(Properties props) throws SQLException {
        return configure(new MysqlConnectionPoolDataSource(), props);
    }

    @Override
    public XADataSource createXADataSource(Properties props) throws SQLException {
        return configure(new MysqlXADataSource(), props);
    }

    @Override
    public Driver createDriver(Properties props) throws SQLException {
        if (props != null && !props.isEmpty()) {
            throw new SQLFeatureNotSupportedException("the MySQL driver takes its settings in the URL");
        }
        return new com.mysql.cj.jdbc.Driver();
    }

    /** The standard {@link DataSourceFactory} property names; pooling properties are the caller's business. */
    static <T extends MysqlDataSource> T configure(T dataSource, Properties props) throws SQLException {
        if (props == null) {
            return dataSource;
        }
        for (String name : props.stringPropertyNames()) {
            String value = props.getProperty(name);
            switch (name) {
                case JDBC_URL -> dataSource.setURL(value);
                case JDBC_SERVER_NAME -> dataSource.setServerName(value);
                case JDBC_PORT_NUMBER -> dataSource.setPortNumber(Integer.parseInt(value));
                case JDBC_DATABASE_NAME -> dataSource.setDatabaseName(value);
                case JDBC_USER -> dataSource.setUser(value);
                case JDBC_PASSWORD -> dataSource.setPassword(value);
                case JDBC_DESCRIPTION -> dataSource.setDescription(value);
                default -> throw new SQLFeatureNotSupportedException("unsupported DataSource property " + name);
            }
        }
        return dataSource;
    }
}
