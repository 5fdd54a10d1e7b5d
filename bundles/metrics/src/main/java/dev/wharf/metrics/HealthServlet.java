package dev.wharf.metrics;

import dev.wharf.api.admin.ServerAdmin;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code GET /health} on the HTTP Whiteboard, for load balancers and container probes: {@code 200} when the server
 * is healthy, {@code 503} when not, with the report {@code bin/wharf status} prints (one line per item, then
 * {@code health: OK} or {@code health: FAILING (n problems)}).
 */
@Designate(ocd = HealthServlet.Config.class)
@Component(service = Servlet.class, configurationPid = HealthServlet.PID,
        property = {"osgi.http.whiteboard.servlet.pattern=" + HealthServlet.DEFAULT_PATH,
            "osgi.http.whiteboard.servlet.name=wharf-health"})
public class HealthServlet extends HttpServlet {

    static final String PID = "dev.wharf.health.http";
    static final String DEFAULT_PATH = "/health";
    private static final long serialVersionUID = 1L;

    /** The keys of {@code dev.wharf.health.http}. */
    @ObjectClassDefinition(id = PID, name = "Wharf health endpoint",
            description = "The health report over HTTP, on the Felix HTTP server of the metrics feature")
    public @interface Config {
        @AttributeDefinition(name = "Path", description = "Where the report is served")
        String osgi_http_whiteboard_servlet_pattern() default DEFAULT_PATH;
    }

    private final transient ServerAdmin admin;

    @Activate
    public HealthServlet(@Reference ServerAdmin admin) {
        this.admin = admin;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        List<ServerAdmin.HealthItem> items = admin.health();
        byte[] body = ServerAdmin.HealthItem.report(items).getBytes(StandardCharsets.UTF_8);
        response.setStatus(ServerAdmin.HealthItem.healthy(items) ? HttpServletResponse.SC_OK
                : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setContentType("text/plain; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
