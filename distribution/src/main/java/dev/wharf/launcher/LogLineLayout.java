package dev.wharf.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.LayoutBase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;

/**
 * One log line as slf4j-simple printed it before Logback, byte for byte, because admins' grep rules and the tests
 * read it: {@code 2025-01-31 12:00:00.000 INFO FtpSession - message} (the logger's name after its last dot), then
 * any stack trace exactly as {@link Throwable#printStackTrace()} writes it.
 */
final class LogLineLayout extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final ZoneId zone;

    LogLineLayout(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()).atZone(zone), line);
        line.append(' ').append(event.getLevel()).append(' ').append(shortName(event.getLoggerName())).append(" - ");
        List<Marker> markers = event.getMarkerList();
        if (markers != null) {
            markers.forEach(marker -> line.append(marker.getName()).append(' '));
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            pairs.forEach(pair -> line.append(pair.key).append('=').append(pair.value).append(' '));
        }
        line.append(event.getFormattedMessage()).append(System.lineSeparator());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown instanceof ThrowableProxy proxy) {
            // Java's own format ("... 2 more"), not Logback's ("common frames omitted")
            StringWriter trace = new StringWriter();
            proxy.getThrowable().printStackTrace(new PrintWriter(trace));
            line.append(trace);
        }
        return line.toString();
    }

    static String shortName(String loggerName) {
        return loggerName.substring(loggerName.lastIndexOf('.') + 1);
    }
}
