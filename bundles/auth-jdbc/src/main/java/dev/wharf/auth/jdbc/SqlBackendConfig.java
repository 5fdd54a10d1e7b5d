package dev.wharf.auth.jdbc;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the SQL backends. Any of Pure-FTPd's keys ({@code MYSQLServer}, {@code PGSQLGetPW}, ...) may
 * also be given directly; they override the same key in {@code config.file}.
 */
@ObjectClassDefinition(name = "Wharf SQL users",
        description = "Users from MySQL/MariaDB or PostgreSQL with Pure-FTPd's configuration keys")
public @interface SqlBackendConfig {

    @AttributeDefinition(description = "An existing pureftpd-mysql.conf / pureftpd-pgsql.conf (optional when the "
            + "keys are given here); ${wharf.home} is replaced by the server directory")
    String config_file() default "";

    @AttributeDefinition(description = "Most database connections open at once")
    int pool_size() default 8;

    @AttributeDefinition(description = "Seconds to connect, to wait for a free connection and per query; a login "
            + "against a dead database fails with 421 within a few times this")
    int timeout_seconds() default 5;
}
