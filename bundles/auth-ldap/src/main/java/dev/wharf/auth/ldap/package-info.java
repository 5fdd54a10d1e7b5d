/** LDAP auth backend (UnboundID LDAP SDK) with Pure-FTPd's configuration keys; nothing exported. */
package dev.wharf.auth.ldap;
