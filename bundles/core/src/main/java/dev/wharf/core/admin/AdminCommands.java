package dev.wharf.core.admin;

import dev.wharf.core.activity.ServerActivity;
import dev.wharf.core.activity.ServerActivity.Totals;
import dev.wharf.core.activity.SessionInfo;
import dev.wharf.core.limits.QuotaCheck;
import dev.wharf.core.security.SecurityShellCommands;
import dev.wharf.core.server.ServerHealth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The operator's commands, in the Gogo console ({@code wharf:who}, {@code wharf:kick}, {@code wharf:stats},
 * {@code wharf:quotacheck}) and, through {@link AdminSocket}, from {@code bin/wharf}.
 */
@Component(service = AdminCommands.class, property = {"osgi.command.scope=wharf", "osgi.command.function=who",
        "osgi.command.function=kick", "osgi.command.function=stats", "osgi.command.function=quotacheck",
        "osgi.command.function=health"})
public class AdminCommands {

    /** A command's answer: its text, and whether it succeeded. */
    public record Answer(boolean ok, String text) {
    }

    private final ServerActivity activity;
    private final SecurityShellCommands bans;
    /** The health report; absent only while the core is starting or stopping. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ServerHealth health;

    @Activate
    public AdminCommands(@Reference ServerActivity activity, @Reference SecurityShellCommands bans) {
        this.activity = activity;
        this.bans = bans;
    }

    /** The sessions as a table. */
    public String who() {
        return WhoReport.table(activity.who(), Instant.now());
    }

    /** {@code -s} (pure-ftpwho's machine-readable lines), {@code json}, or {@code -v}/{@code table}. */
    public String who(String format) {
        List<SessionInfo> sessions = activity.who();
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "-s", "machine" -> WhoReport.machine(sessions, Instant.now());
            case "json", "-j", "--json" -> WhoReport.json(sessions, Instant.now());
            case "-v", "table" -> WhoReport.table(sessions, Instant.now());
            default -> throw new IllegalArgumentException("who takes -s, json or nothing; not " + format);
        };
    }

    /** Disconnects session {@code target} (a number from {@code who}) or every session of the account so named. */
    public String kick(String target) {
        if (target.matches("\\d{1,18}")) {
            long id = Long.parseLong(target);
            if (activity.kick(id)) {
                return "Session " + id + " disconnected.";
            }
            throw new IllegalArgumentException("No session " + id + " (see: who)");
        }
        int kicked = activity.kickAccount(target);
        if (kicked == 0) {
            throw new IllegalArgumentException("No session of account '" + target + "' (see: who)");
        }
        return kicked + " session(s) of '" + target + "' disconnected.";
    }

    /** Totals since start. */
    public String stats() {
        Totals totals = activity.totals();
        List<SessionInfo> sessions = activity.who();
        long loggedIn = sessions.stream().filter(session -> session.account() != null).count();
        long transferring = sessions.stream().filter(session -> !session.state().equals("IDLE")).count();
        return "Up since " + totals.started() + " (" + uptime(activity.uptime()) + ")\n"
                + "Sessions now: " + sessions.size() + " (" + loggedIn + " logged in, " + transferring
                + " transferring)\n"
                + "Connections since start: " + totals.connections() + ", logins: " + totals.logins() + "\n"
                + "Uploads: " + totals.uploads() + " files, " + totals.uploadedBytes() + " bytes\n"
                + "Downloads: " + totals.downloads() + " files, " + totals.downloadedBytes() + " bytes\n";
    }

    /**
     * {@code mrtg}: the four lines of {@code pure-mrtginfo} for MRTG: the session count twice, the uptime and the
     * host name; {@code mrtg PORT} counts only the sessions connected to that port.
     */
    public String stats(String format) {
        return stats(format, null);
    }

    public String stats(String format, String port) {
        if (!format.equalsIgnoreCase("mrtg")) {
            throw new IllegalArgumentException("stats takes mrtg [port] or nothing; not " + format);
        }
        int onlyPort = -1;
        if (port != null) {
            if (!port.matches("\\d{1,5}")) {
                throw new IllegalArgumentException("Not a port number: " + port);
            }
            onlyPort = Integer.parseInt(port);
        }
        int selected = onlyPort;
        long count = activity.who().stream()
                .filter(session -> selected < 0 || session.local().getPort() == selected).count();
        return count + "\n" + count + "\n" + uptime(activity.uptime()) + "\n" + hostName() + "\n";
    }

    /** The health report ({@code bin/wharf status}): listeners, auth backends, storage, databases. */
    public String health() {
        ServerHealth current = health;
        return current != null ? current.report() : "health: FAILING (the core is starting or stopping)\n";
    }

    /** Counts an account's files again and rewrites its {@code .ftpquota} ({@code pure-quotacheck -d DIR}). */
    public String quotacheck(String directory) throws IOException {
        Path root = Path.of(directory);
        if (!root.isAbsolute() || !Files.isDirectory(root)) {
            throw new IllegalArgumentException("Not an absolute path of a directory: " + directory);
        }
        return QuotaCheck.describe(root, QuotaCheck.rebuild(root));
    }

    /**
     * Runs one command line from {@code bin/wharf}: {@code who [-s|json]}, {@code kick ID|ACCOUNT},
     * {@code stats [mrtg [PORT]]}, {@code bans}, {@code unban IP}, {@code quotacheck DIR}.
     */
    public Answer run(List<String> words) {
        try {
            String command = words.isEmpty() ? "" : words.get(0);
            int arguments = words.size() - 1;
            String text = switch (command) {
                case "who" -> arguments == 0 ? who() : arguments == 1 ? who(words.get(1)) : null;
                case "kick" -> arguments == 1 ? kick(words.get(1)) : null;
                case "stats" -> arguments == 0 ? stats()
                        : arguments <= 2 ? stats(words.get(1), arguments == 2 ? words.get(2) : null) : null;
                case "bans" -> arguments == 0 ? bans.bans() : null;
                case "unban" -> arguments == 1 ? bans.unban(words.get(1)) : null;
                case "quotacheck" -> arguments == 1 ? quotacheck(words.get(1)) : null;
                case "health" -> arguments == 0 ? health() : null;
                default -> null;
            };
            if (text == null) {
                return new Answer(false, "usage: who [-s|json] | kick ID|ACCOUNT | stats [mrtg [PORT]] | bans"
                        + " | unban IP | quotacheck DIR | health\n");
            }
            return new Answer(true, text.endsWith("\n") ? text : text + "\n");
        } catch (IllegalArgumentException | IOException failure) {
            return new Answer(false, failure.getMessage() + "\n");
        }
    }

    private static String uptime(Duration uptime) {
        long seconds = uptime.toSeconds();
        return String.format(Locale.ROOT, "%d days, %d:%02d:%02d", seconds / 86_400, seconds / 3600 % 24,
                seconds / 60 % 60, seconds % 60);
    }

    /** The kernel's host name, never a DNS lookup. */
    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException notLinux) {
            String name = System.getenv("HOSTNAME");
            return name == null ? "localhost" : name;
        }
    }
}
