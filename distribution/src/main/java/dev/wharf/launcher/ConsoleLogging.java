package dev.wharf.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;

/**
 * Logback's configuration, found through the ServiceLoader by the server and by the command-line tools alike: one
 * console appender writing {@link LogLineLayout}'s lines, the root at {@code -Dwharf.log.level} (default info), on
 * standard error unless {@code -Dwharf.log.target=stdout} (the launcher sets that, so the server logs to standard
 * output while a tool's output stays its own). The logging bundle changes levels live from there. An admin's own
 * {@code -Dlogback.configurationFile} wins over all of this.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {

    static final String LEVEL_PROPERTY = "wharf.log.level";
    static final String TARGET_PROPERTY = "wharf.log.target";
    /** What JAVA_OPTS set before Logback (slf4j-simple's property), still honoured. */
    static final String SIMPLE_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        // java.util.logging (FileInstall, the JDK) drops records below the level Logback would print, so that a
        // level changed live reaches JUL loggers too, and disabled JUL debug costs nothing
        LevelChangePropagator julLevels = new LevelChangePropagator();
        julLevels.setContext(context);
        julLevels.start();
        context.addListener(julLevels);

        LogLineLayout layout = new LogLineLayout(ZoneId.systemDefault());
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        // looked up at every line, as System.setOut's escaping stream must be
        console.setTarget("stdout".equals(System.getProperty(TARGET_PROPERTY)) ? "System.out" : "System.err");
        console.setEncoder(encoder);
        console.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(console);
        root.setLevel(startLevel());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static Level startLevel() {
        String level = System.getProperty(LEVEL_PROPERTY, System.getProperty(SIMPLE_LEVEL_PROPERTY, "info"));
        return Level.toLevel(level.strip(), Level.INFO);
    }
}
