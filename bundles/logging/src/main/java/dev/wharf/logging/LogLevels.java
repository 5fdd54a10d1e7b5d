package dev.wharf.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets the levels of the server's loggers (Logback's, on the launcher's class path) from
 * {@code etc/dev.wharf.logging.cfg} while the server runs. Only while that configuration exists: without it, and
 * when this bundle stops, every logger it touched gets back the level it had before, which is the one set at
 * start-up ({@code -Dwharf.log.level}, default info).
 */
@Component(configurationPid = LogLevels.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = LogLevels.Config.class)
public class LogLevels {

    static final String PID = "dev.wharf.logging";
    private static final Logger LOG = LoggerFactory.getLogger(LogLevels.class);

    @ObjectClassDefinition(name = "Wharf log levels")
    public @interface Config {
        @AttributeDefinition(description = "Level of every logger not named in loggers: ERROR, WARN, INFO, DEBUG, "
                + "TRACE or OFF; a change takes effect at once",
                options = {@Option(label = "ERROR", value = "ERROR"), @Option(label = "WARN", value = "WARN"),
                        @Option(label = "INFO", value = "INFO"), @Option(label = "DEBUG", value = "DEBUG"),
                        @Option(label = "TRACE", value = "TRACE"), @Option(label = "OFF", value = "OFF")})
        String level() default "INFO";

        @AttributeDefinition(description = "Levels of single loggers and their children, as name=LEVEL separated "
                + "by commas, e.g. dev.wharf.core.session=DEBUG (a logger's name is its class's or package's)")
        String[] loggers() default {};
    }

    private final LoggerContext context;
    /** Each logger this component set, with the level it had before (null: inherited from its parent). */
    private final Map<String, Level> before = new HashMap<>();

    @Activate
    public LogLevels(Config config) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        this.context = factory instanceof LoggerContext logback ? logback : null;
        if (context == null) {
            LOG.warn("Log levels of {} not applied: SLF4J logs through {}, not Logback", PID,
                    factory.getClass().getName());
            return;
        }
        apply(config);
    }

    @Modified
    void modified(Config config) {
        if (context != null) {
            apply(config);
        }
    }

    @Deactivate
    synchronized void deactivate() {
        if (context == null) {
            return;
        }
        before.forEach(this::restore);
        before.clear();
        LOG.info("Log levels back to their start-up values (root {})",
                context.getLogger(LevelSettings.ROOT).getLevel());
    }

    private void restore(String name, Level level) {
        context.getLogger(name).setLevel(level);
        if (level == null) {
            // the launcher copies Logback's levels to java.util.logging, an inherited one as a fixed level; its
            // logger of that name inherits again too, or it would keep that level through later root changes
            java.util.logging.Logger jul = java.util.logging.LogManager.getLogManager().getLogger(name);
            if (jul != null) {
                jul.setLevel(null);
            }
        }
    }

    private synchronized void apply(Config config) {
        LevelSettings settings = LevelSettings.parse(PID, config.level(), config.loggers());
        settings.problems().forEach(problem -> LOG.warn("{}", problem));
        Map<String, Level> wanted = new LinkedHashMap<>();
        if (settings.root() != null) {
            wanted.put(LevelSettings.ROOT, Level.toLevel(settings.root()));
        }
        settings.loggers().forEach((name, level) -> wanted.put(name, Level.toLevel(level)));
        // loggers named before and no longer: back to what they had
        for (Iterator<Map.Entry<String, Level>> set = before.entrySet().iterator(); set.hasNext(); ) {
            Map.Entry<String, Level> entry = set.next();
            if (!wanted.containsKey(entry.getKey())) {
                restore(entry.getKey(), entry.getValue());
                set.remove();
            }
        }
        List<String> applied = new ArrayList<>();
        wanted.forEach((name, level) -> {
            ch.qos.logback.classic.Logger logger = context.getLogger(name);
            if (!before.containsKey(name)) {
                before.put(name, logger.getLevel());
            }
            logger.setLevel(level);
            applied.add(name.equals(LevelSettings.ROOT) ? "root " + level : name + " " + level);
        });
        LOG.info("Log levels from {}: {}", PID, applied.isEmpty() ? "as at start-up" : String.join(", ", applied));
    }
}
