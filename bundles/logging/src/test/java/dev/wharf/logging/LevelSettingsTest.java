package dev.wharf.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reading {@code level} and {@code loggers} as a .cfg file or a typed configuration gives them. */
@Timeout(10)
class LevelSettingsTest {

    private static final String PID = "dev.wharf.logging";

    @Test
    void readsTheRootLevelInAnyCase() {
        assertEquals("DEBUG", LevelSettings.parse(PID, " debug ", null).root());
        assertEquals("OFF", LevelSettings.parse(PID, "Off", new String[0]).root());
        assertEquals(List.of(), LevelSettings.parse(PID, "TRACE", new String[0]).problems());
    }

    @Test
    void readsEntriesFromOneCommaSeparatedStringOrAnArray() {
        Map<String, String> expected = Map.of("dev.wharf.core.session", "DEBUG", "org.eclipse.jetty", "WARN");
        LevelSettings fromCfg = LevelSettings.parse(PID, "INFO",
                new String[] {"dev.wharf.core.session=DEBUG, org.eclipse.jetty = warn"});
        assertEquals(expected, fromCfg.loggers());
        assertEquals(List.of(), fromCfg.problems());
        LevelSettings typed = LevelSettings.parse(PID, "INFO",
                new String[] {"dev.wharf.core.session=DEBUG", "org.eclipse.jetty=WARN", " "});
        assertEquals(expected, typed.loggers());
        assertEquals(List.of("dev.wharf.core.session", "org.eclipse.jetty"), List.copyOf(typed.loggers().keySet()),
                "in the order given");
    }

    @Test
    void aLaterEntryForTheSameLoggerWinsAndRootIsOneName() {
        LevelSettings settings = LevelSettings.parse(PID, "INFO", new String[] {"a.b=DEBUG,a.b=TRACE,root=warn"});
        assertEquals(Map.of("a.b", "TRACE", "ROOT", "WARN"), settings.loggers());
    }

    @Test
    void namesTheSettingAndTheBadEntryAndKeepsTheRest() {
        LevelSettings settings = LevelSettings.parse(PID, "LOUD",
                new String[] {"dev.wharf.core=DEBUG, nonsense, x.y=LOUD, =INFO, dev.wharf.auth=ERROR"});
        assertNull(settings.root());
        assertEquals(Map.of("dev.wharf.core", "DEBUG", "dev.wharf.auth", "ERROR"), settings.loggers());
        assertEquals(List.of(
                "Setting 'level' of dev.wharf.logging: 'LOUD' is not a level (ERROR, WARN, INFO, DEBUG, TRACE, OFF);"
                        + " the root logger keeps its level from start-up",
                "Setting 'loggers' of dev.wharf.logging: entry 'nonsense' ignored, it is not name=LEVEL",
                "Setting 'loggers' of dev.wharf.logging: entry 'x.y=LOUD' ignored, 'LOUD' is not a level (ERROR, "
                        + "WARN, INFO, DEBUG, TRACE, OFF)",
                "Setting 'loggers' of dev.wharf.logging: entry '=INFO' ignored, it names no logger"),
                settings.problems());
    }
}
