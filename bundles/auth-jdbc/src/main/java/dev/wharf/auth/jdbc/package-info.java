/** SQL auth backends (MySQL/MariaDB, PostgreSQL) with Pure-FTPd's configuration keys; nothing exported. */
package dev.wharf.auth.jdbc;
