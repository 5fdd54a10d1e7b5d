/** The web console's login (a hashed, generated password) and its Wharf page. */
package dev.wharf.webconsole;
