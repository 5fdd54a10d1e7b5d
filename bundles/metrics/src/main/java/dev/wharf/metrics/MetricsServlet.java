package dev.wharf.metrics;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code GET /metrics} on the OSGi HTTP Whiteboard (Felix HTTP: address and port in
 * {@code etc/org.apache.felix.http.cfg}); the path is {@link Config}'s.
 */
@Designate(ocd = MetricsServlet.Config.class)
@Component(service = Servlet.class, configurationPid = MetricsServlet.PID,
        property = {"osgi.http.whiteboard.servlet.pattern=" + MetricsServlet.DEFAULT_PATH,
            "osgi.http.whiteboard.servlet.name=wharf-metrics"})
public class MetricsServlet extends HttpServlet {

    static final String PID = "dev.wharf.metrics.http";
    static final String DEFAULT_PATH = "/metrics";
    private static final long serialVersionUID = 1L;

    /** The keys of {@code dev.wharf.metrics.http}. */
    @ObjectClassDefinition(id = PID, name = "Wharf metrics endpoint",
            description = "Prometheus metrics on the Felix HTTP server of the metrics feature")
    public @interface Config {
        @AttributeDefinition(name = "Path", description = "Where the metrics are served")
        String osgi_http_whiteboard_servlet_pattern() default DEFAULT_PATH;
    }

    private final transient WharfMetrics metrics;

    @Activate
    public MetricsServlet(@Reference WharfMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        response.setContentType(TextFormat.CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
