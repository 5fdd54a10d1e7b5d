package dev.wharf.core.admin;

import dev.wharf.api.admin.ServerAdmin;
import dev.wharf.core.activity.ServerActivity;
import dev.wharf.core.activity.SessionInfo;
import dev.wharf.core.security.SecurityPolicy;
import dev.wharf.core.server.ServerHealth;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The core's {@link ServerAdmin}: what {@code who}, {@code kick}, {@code bans}, {@code unban} and {@code stats} use. */
@Component(service = ServerAdmin.class)
public class AdminService implements ServerAdmin {

    private final ServerActivity activity;
    private final SecurityPolicy security;
    private final ServerHealth serverHealth;

    @Activate
    public AdminService(@Reference ServerActivity activity, @Reference SecurityPolicy security,
                        @Reference ServerHealth serverHealth) {
        this.activity = activity;
        this.security = security;
        this.serverHealth = serverHealth;
    }

    @Override
    public List<HealthItem> health() {
        return serverHealth.check();
    }

    @Override
    public List<Session> sessions() {
        List<Session> sessions = new ArrayList<>();
        for (SessionInfo info : activity.who()) {
            sessions.add(new Session(info.id(), info.account(), info.client(), info.local(), info.connected(),
                    info.state(), info.file(), info.transferred(), info.bytesPerSecond()));
        }
        return sessions;
    }

    @Override
    public boolean kick(long id) {
        return activity.kick(id);
    }

    @Override
    public List<Ban> bans() {
        Instant now = Instant.now();
        List<Ban> bans = new ArrayList<>();
        security.bans().bans().forEach((address, left) -> bans.add(new Ban(address, now.plus(left))));
        return bans;
    }

    @Override
    public boolean unban(String address) {
        // a literal only: never a name lookup on an operator's input
        if (!address.matches("[0-9a-fA-F:.]{2,45}")) {
            throw new IllegalArgumentException("Not an IP address: " + address);
        }
        try {
            return security.bans().unban(InetAddress.getByName(address));
        } catch (UnknownHostException notAnAddress) {
            throw new IllegalArgumentException("Not an IP address: " + address, notAnAddress);
        }
    }

    @Override
    public Totals totals() {
        ServerActivity.Totals totals = activity.totals();
        return new Totals(totals.started(), totals.connections(), totals.logins(), totals.uploads(),
                totals.downloads(), totals.uploadedBytes(), totals.downloadedBytes());
    }
}
