package dev.wharf.webconsole;

import dev.wharf.api.admin.ServerAdmin;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console's Wharf page ({@code /system/console/wharf}): the sessions with a Kick button each, the banned
 * addresses with Unban, and the totals since start. Everything comes from the core's {@link ServerAdmin}.
 * Actions are POSTed with a token only this page hands out, so another site cannot make a logged-in browser kick
 * or unban.
 */
@Component(service = Servlet.class, property = {
    ServletConstants.PLUGIN_LABEL + "=" + WharfPage.LABEL,
    ServletConstants.PLUGIN_TITLE + "=Wharf",
    ServletConstants.PLUGIN_CATEGORY + "=Wharf"})
public class WharfPage extends AbstractServlet {

    static final String LABEL = "wharf";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WharfPage.class);

    private final transient ServerAdmin admin;
    /** Made at activation: a page rendered before a restart of this bundle cannot act after it. */
    private final String token;

    @Activate
    public WharfPage(@Reference ServerAdmin admin) {
        this.admin = admin;
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
    }

    @Override
    public void renderContent(HttpServletRequest request, HttpServletResponse response) throws IOException {
        PrintWriter out = response.getWriter();
        String message = request.getParameter("done");
        if (message != null) {
            out.append("<p class=\"statline\" id=\"wharf-message\">").append(html(message)).append("</p>\n");
        }
        totals(out);
        sessions(out);
        bans(out);
    }

    private void totals(PrintWriter out) {
        ServerAdmin.Totals totals = admin.totals();
        out.append("<h2>Totals since start</h2>\n<table class=\"nicetable\" id=\"wharf-totals\">\n");
        row(out, "Up since", totals.started().truncatedTo(ChronoUnit.SECONDS).toString());
        row(out, "Connections", Long.toString(totals.connections()));
        row(out, "Logins", Long.toString(totals.logins()));
        row(out, "Uploads", totals.uploads() + " files, " + totals.uploadedBytes() + " bytes");
        row(out, "Downloads", totals.downloads() + " files, " + totals.downloadedBytes() + " bytes");
        out.append("</table>\n");
    }

    private static void row(PrintWriter out, String name, String value) {
        out.append("<tr><th>").append(html(name)).append("</th><td>").append(html(value)).append("</td></tr>\n");
    }

    private void sessions(PrintWriter out) {
        List<ServerAdmin.Session> sessions = admin.sessions();
        Instant now = Instant.now();
        out.append("<h2>Sessions (").append(Integer.toString(sessions.size())).append(")</h2>\n")
                .append("<table class=\"nicetable\" id=\"wharf-sessions\">\n<tr><th>#</th><th>Account</th>")
                .append("<th>Client</th><th>Local</th><th>Connected for</th><th>State</th><th>File</th>")
                .append("<th>Bytes</th><th>Bytes/s</th><th></th></tr>\n");
        for (ServerAdmin.Session session : sessions) {
            String account = session.account() == null ? "" : session.account();
            out.append("<tr class=\"wharf-session\" data-id=\"").append(Long.toString(session.id()))
                    .append("\" data-account=\"").append(html(account)).append("\">")
                    .append("<td>").append(Long.toString(session.id())).append("</td>")
                    .append("<td>").append(session.account() == null ? "<i>not logged in</i>" : html(account))
                    .append("</td><td>").append(html(address(session.client())))
                    .append("</td><td>").append(html(address(session.local())))
                    .append("</td><td>").append(Long.toString(Duration.between(session.connected(), now).toSeconds()))
                    .append(" s</td><td>").append(html(session.state()))
                    .append("</td><td>").append(session.file() == null ? "" : html(session.file()))
                    .append("</td><td>").append(Long.toString(session.transferred()))
                    .append("</td><td>").append(Long.toString(session.bytesPerSecond())).append("</td><td>");
            action(out, "kick", "id", Long.toString(session.id()), "Kick");
            out.append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    private void bans(PrintWriter out) {
        List<ServerAdmin.Ban> bans = admin.bans();
        out.append("<h2>Banned addresses (").append(Integer.toString(bans.size())).append(")</h2>\n")
                .append("<table class=\"nicetable\" id=\"wharf-bans\">\n<tr><th>Address</th><th>Until</th>")
                .append("<th></th></tr>\n");
        for (ServerAdmin.Ban ban : bans) {
            out.append("<tr class=\"wharf-ban\" data-address=\"").append(html(ban.address())).append("\"><td>")
                    .append(html(ban.address())).append("</td><td>")
                    .append(html(ban.until().truncatedTo(ChronoUnit.SECONDS).toString())).append("</td><td>");
            action(out, "unban", "address", ban.address(), "Unban");
            out.append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    /** A one-button form that POSTs {@code action} with {@code name=value} and the page's token. */
    private void action(PrintWriter out, String action, String name, String value, String label) {
        out.append("<form method=\"post\" style=\"margin:0\"><input type=\"hidden\" name=\"action\" value=\"")
                .append(action).append("\"><input type=\"hidden\" name=\"").append(name).append("\" value=\"")
                .append(html(value)).append("\"><input type=\"hidden\" name=\"token\" value=\"").append(token)
                .append("\"><button type=\"submit\" class=\"ui-state-default ui-corner-all\" id=\"")
                .append(action).append('-').append(html(value)).append("\">").append(label)
                .append("</button></form>");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String given = request.getParameter("token");
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "Stale or missing form token: reload the page");
            return;
        }
        String action = String.valueOf(request.getParameter("action"));
        String done;
        try {
            done = switch (action) {
                case "kick" -> kick(request.getParameter("id"));
                case "unban" -> unban(request.getParameter("address"));
                default -> throw new IllegalArgumentException("Unknown action: " + action);
            };
        } catch (IllegalArgumentException refused) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, refused.getMessage());
            return;
        }
        LOG.info("Web console: {}", done);
        // back to the page by GET, so a reload does not repeat the action
        String root = String.valueOf(request.getAttribute(ServletConstants.ATTR_PLUGIN_ROOT));
        response.sendRedirect(root + "?done=" + java.net.URLEncoder.encode(done, StandardCharsets.UTF_8));
    }

    private String kick(String id) {
        if (id == null || !id.matches("\\d{1,18}")) {
            throw new IllegalArgumentException("Not a session number: " + id);
        }
        return admin.kick(Long.parseLong(id)) ? "Session " + id + " disconnected." : "No session " + id + ".";
    }

    private String unban(String address) {
        if (address == null) {
            throw new IllegalArgumentException("No address given");
        }
        return admin.unban(address) ? "Ban on " + address + " lifted." : address + " was not banned.";
    }

    private static String address(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** Text for HTML content and double-quoted attributes. */
    static String html(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c < 0x20 ? '?' : c);
            }
        }
        return escaped.toString();
    }
}
