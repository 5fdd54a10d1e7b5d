/** Registers MySQL Connector/J as an OSGi {@code DataSourceFactory}; nothing exported. */
package dev.wharf.jdbc.mysql;
