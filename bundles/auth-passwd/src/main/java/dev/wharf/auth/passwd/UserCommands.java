package dev.wharf.auth.passwd;

import dev.wharf.auth.passwd.UserAdmin.AdminException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;

/**
 * Gogo commands {@code wharf:useradd}, {@code wharf:usermod}, {@code wharf:userdel}, {@code wharf:passwd},
 * {@code wharf:show}, {@code wharf:list} on the configured passwd file; same options as {@code bin/wharf user}.
 * Passwords are read from the shell's input, one line each.
 */
@Component(service = UserCommands.class, configurationPid = PasswdAuthBackend.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {"osgi.command.scope=wharf", "osgi.command.function=useradd", "osgi.command.function=usermod",
            "osgi.command.function=userdel", "osgi.command.function=passwd", "osgi.command.function=show",
            "osgi.command.function=list"})
public class UserCommands {

    private volatile Path file;

    @Activate
    @Modified
    void configure(BundleContext context, PasswdAuthBackend.Config config) {
        String home = context.getProperty("wharf.home");
        configure(home != null ? home : Path.of("").toAbsolutePath().toString(), config);
    }

    void configure(String serverHome, PasswdAuthBackend.Config config) {
        file = Path.of(config.file().replace(PasswdAuthBackend.HOME_VARIABLE, serverHome)).toAbsolutePath();
    }

    public void useradd(String... args) {
        run("useradd", args);
    }

    public void usermod(String... args) {
        run("usermod", args);
    }

    public void userdel(String... args) {
        run("userdel", args);
    }

    public void passwd(String... args) {
        run("passwd", args);
    }

    public void show(String... args) {
        run("show", args);
    }

    public void list(String... args) {
        run("list", args);
    }

    private void run(String command, String[] args) {
        // Gogo gives each session its own System.in/out (ThreadIO); read them at call time
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        UserAdmin admin = new UserAdmin(file, System.out, prompt -> {
            System.out.print(prompt);
            System.out.flush();
            return input.readLine();
        });
        try {
            admin.run(command, Arrays.asList(args));
        } catch (AdminException | IOException refused) {
            System.out.println(refused.getMessage());
        }
    }
}
