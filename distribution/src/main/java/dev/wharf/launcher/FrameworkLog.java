package dev.wharf.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Felix's own messages (a bundle that fails to resolve or start, a service event error) through SLF4J, so they
 * share the server log's format instead of bare "ERROR: ..." lines on standard output.
 */
final class FrameworkLog extends org.apache.felix.framework.Logger {

    private static final Logger LOG = LoggerFactory.getLogger("org.apache.felix.framework");

    @Override
    protected void doLog(int level, String message, Throwable throwable) {
        switch (level) {
            case LOG_ERROR -> LOG.error(message, throwable);
            case LOG_WARNING -> LOG.warn(message, throwable);
            case LOG_INFO -> LOG.info(message, throwable);
            default -> LOG.debug(message, throwable);
        }
    }
}
