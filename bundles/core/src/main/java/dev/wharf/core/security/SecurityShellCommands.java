package dev.wharf.core.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo commands for admins: {@code wharf:bans} lists banned addresses, {@code wharf:unban <ip>} lifts a ban. */
@Component(service = SecurityShellCommands.class, property = {"osgi.command.scope=wharf",
        "osgi.command.function=bans", "osgi.command.function=unban"})
public class SecurityShellCommands {

    private final SecurityPolicy policy;

    @Activate
    public SecurityShellCommands(@Reference SecurityPolicy policy) {
        this.policy = policy;
    }

    public String bans() {
        Map<String, Duration> bans = policy.bans().bans();
        if (bans.isEmpty()) {
            return "No address is banned.";
        }
        StringBuilder text = new StringBuilder();
        bans.forEach((address, left) -> text.append(address).append("  banned for another ")
                .append(left.toSeconds()).append(" s\n"));
        return text.toString();
    }

    public String unban(String address) throws UnknownHostException {
        // a literal only: no name lookups from the shell
        if (!address.matches("[0-9a-fA-F:.]+")) {
            return "Not an IP address: " + address;
        }
        return policy.bans().unban(InetAddress.getByName(address)) ? "Ban on " + address + " lifted."
                : address + " was not banned.";
    }
}
