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

/**
 * {@code GET /metrics} on the OSGi HTTP Whiteboard (Felix HTTP: address and port in
 * {@code etc/org.apache.felix.http.cfg}); the pattern can be changed with
 * {@code osgi.http.whiteboard.servlet.pattern} in {@code etc/dev.wharf.metrics.http.cfg}.
 */
@Component(service = Servlet.class, configurationPid = "dev.wharf.metrics.http",
        property = {"osgi.http.whiteboard.servlet.pattern=/metrics", "osgi.http.whiteboard.servlet.name=wharf-metrics"})
public class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

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
