package dev.wharf.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.lang.annotation.Annotation;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The component against the real Logback: levels set, changed, and given back. */
@Timeout(10)
class LogLevelsTest {

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Level rootAtStart;

    @BeforeEach
    void capture() {
        rootAtStart = root.getLevel();
        root.setLevel(Level.INFO);
        context.getLogger("test.kept").setLevel(Level.ERROR); // set by someone else before
        lines.setContext(context);
        lines.start();
        root.addAppender(lines);
    }

    @AfterEach
    void release() {
        root.detachAppender(lines);
        root.setLevel(rootAtStart);
    }

    @Test
    void setsChangesAndGivesBackLevels() {
        org.slf4j.Logger session = LoggerFactory.getLogger("test.session.FtpSession");
        assertFalse(session.isDebugEnabled());

        LogLevels levels = new LogLevels(config("INFO", "test.session=DEBUG, test.kept=TRACE"));
        assertTrue(session.isDebugEnabled(), "a parent's level reaches its children");
        assertEquals(Level.TRACE, context.getLogger("test.kept").getLevel());
        assertTrue(lines.list.stream().anyMatch(line -> line.getFormattedMessage().equals(
                "Log levels from dev.wharf.logging: root INFO, test.session DEBUG, test.kept TRACE")), lines.list
                .toString());

        levels.modified(config("WARN", "test.session=TRACE"));
        assertTrue(session.isTraceEnabled());
        assertEquals(Level.WARN, root.getLevel());
        assertEquals(Level.ERROR, context.getLogger("test.kept").getLevel(), "no longer named: as before");

        levels.modified(config("INFO"));
        assertFalse(session.isDebugEnabled());
        assertNull(context.getLogger("test.session").getLevel(), "inherits again");

        levels.modified(config("DEBUG", "test.session=OFF"));
        levels.deactivate();
        assertEquals(Level.INFO, root.getLevel());
        assertNull(context.getLogger("test.session").getLevel());
        assertEquals(Level.ERROR, context.getLogger("test.kept").getLevel());
        assertFalse(session.isDebugEnabled());
    }

    @Test
    void warnsOfEachBadValueAndAppliesTheRest() {
        LogLevels levels = new LogLevels(config("LOUD", "test.bad.a=DEBUG, nonsense, test.bad.b=VERBOSE"));
        try {
            assertEquals(Level.INFO, root.getLevel(), "a bad level leaves the root as it was");
            assertEquals(Level.DEBUG, context.getLogger("test.bad.a").getLevel());
            List<String> warnings = lines.list.stream().filter(line -> line.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertEquals(3, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("Setting 'level' of dev.wharf.logging: 'LOUD'"), warnings.get(0));
            assertTrue(warnings.get(1).startsWith("Setting 'loggers' of dev.wharf.logging: entry 'nonsense'"));
            assertTrue(warnings.get(2).startsWith("Setting 'loggers' of dev.wharf.logging: entry 'test.bad.b=VERBOSE'"));
        } finally {
            levels.deactivate();
        }
        assertNull(context.getLogger("test.bad.a").getLevel());
    }

    private static LogLevels.Config config(String level, String... loggers) {
        return new LogLevels.Config() {
            @Override
            public String level() {
                return level;
            }

            @Override
            public String[] loggers() {
                return loggers;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return LogLevels.Config.class;
            }
        };
    }
}
