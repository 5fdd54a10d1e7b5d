package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Logback configuration the server and the tools find: lines on standard output for the server, standard error
 * for a tool, at the level given at start, and levels that reach java.util.logging.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConsoleLoggingTest {

    private static final String LINE = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ";
    private final Map<String, String> properties = new HashMap<>();
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
    private final ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
    private final java.util.List<LoggerContext> contexts = new java.util.ArrayList<>();

    @AfterEach
    void restore() {
        contexts.forEach(LoggerContext::stop);
        System.setOut(out);
        System.setErr(err);
        properties.forEach((key, value) -> {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
    }

    private void set(String key, String value) {
        properties.putIfAbsent(key, System.getProperty(key));
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /** A context configured as at start-up, its output captured. */
    private LoggerContext started() {
        System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        LoggerContext context = new LoggerContext();
        contexts.add(context);
        context.setMDCAdapter(new LogbackMDCAdapter()); // as SLF4J's Logback provider gives its context
        ConsoleLogging configuration = new ConsoleLogging();
        configuration.setContext(context);
        assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, configuration.configure(context));
        return context;
    }

    @Test
    void theServerLogsToStandardOutputAtInfo() {
        set(ConsoleLogging.TARGET_PROPERTY, "stdout");
        set(ConsoleLogging.LEVEL_PROPERTY, null);
        set(ConsoleLogging.SIMPLE_LEVEL_PROPERTY, null);
        LoggerContext context = started();
        Logger logger = context.getLogger("dev.wharf.core.server.FtpListener");
        logger.debug("not shown");
        logger.info("Listener {} accepting FTP connections on {}", "main", "127.0.0.1:2121");

        String text = capturedOut.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches(LINE + "INFO FtpListener - Listener main accepting FTP connections on 127.0.0.1:2121\n"),
                text);
        assertEquals("", capturedErr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aToolLogsToStandardErrorAndItsQuietModeShowsWarningsOnly() {
        set(ConsoleLogging.TARGET_PROPERTY, null);
        set(ConsoleLogging.LEVEL_PROPERTY, "warn"); // bin/wharf user
        set(ConsoleLogging.SIMPLE_LEVEL_PROPERTY, null);
        LoggerContext context = started();
        Logger logger = context.getLogger("dev.wharf.auth.passwd.PasswdFile");
        logger.info("not shown");
        logger.warn("line skipped");

        String text = capturedErr.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches(LINE + "WARN PasswdFile - line skipped\n"), text);
        assertEquals("", capturedOut.toString(StandardCharsets.UTF_8));
    }

    @Test
    void slf4jSimplesLevelPropertyInJavaOptsStillCounts() {
        set(ConsoleLogging.LEVEL_PROPERTY, null);
        set(ConsoleLogging.SIMPLE_LEVEL_PROPERTY, "debug");
        assertEquals(ch.qos.logback.classic.Level.DEBUG, started().getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
        set(ConsoleLogging.LEVEL_PROPERTY, "error");
        assertEquals(ch.qos.logback.classic.Level.ERROR, started().getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
    }

    @Test
    void levelsSetInLogbackReachJavaUtilLogging() {
        set(ConsoleLogging.LEVEL_PROPERTY, null);
        set(ConsoleLogging.SIMPLE_LEVEL_PROPERTY, null);
        LoggerContext context = started();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("test.jul.Component");
        assertEquals(false, jul.isLoggable(java.util.logging.Level.FINE));
        context.getLogger("test.jul").setLevel(ch.qos.logback.classic.Level.DEBUG);
        assertEquals(true, jul.isLoggable(java.util.logging.Level.FINE));
        context.getLogger("test.jul").setLevel(null);
        LogManager.getLogManager().getLogger("test.jul").setLevel(null);
    }

    @Test
    void theExportedLogbackVersionIsTheOneOnTheClassPath() {
        assertEquals(Logger.class.getPackage().getImplementationVersion(), WharfLauncher.LOGBACK_VERSION);
        assertTrue(WharfLauncher.SYSTEM_PACKAGES_EXTRA.contains(
                "ch.qos.logback.classic;version=" + WharfLauncher.LOGBACK_VERSION));
    }
}
