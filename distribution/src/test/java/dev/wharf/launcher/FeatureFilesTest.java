package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.launcher.FeatureDescriptor.BundleReference;
import dev.wharf.launcher.FeatureDescriptor.InvalidFeatureException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading feature descriptors and turning their configurations into FileInstall {@code .cfg} files. */
class FeatureFilesTest {

    @TempDir
    Path directory;

    @Test
    void readsBundlesAndConfigurations() throws Exception {
        Path json = Files.writeString(directory.resolve("core.json"), """
                {
                  "id": "dev.wharf:wharf-features:osgifeature:core:1.0.0",
                  "bundles": [
                    { "id": "dev.wharf:wharf-core:1.0.0", "start-order": "3" },
                    { "id": "dev.wharf:wharf-api:1.0.0" }
                  ],
                  "configurations": {
                    "dev.wharf.listener~main": { "port": 2121, "bind": "127.0.0.1", "tls": false, "ids": ["a", "b"] }
                  }
                }
                """);
        FeatureDescriptor feature = FeatureDescriptor.read("core", json);

        assertEquals(new BundleReference("dev.wharf", "wharf-core", "1.0.0", 3), feature.bundles().get(0));
        assertEquals(Path.of("system/dev/wharf/wharf-core/1.0.0/wharf-core-1.0.0.jar"),
                feature.bundles().get(0).file(Path.of("system")));
        assertEquals(Map.of("port", "2121", "bind", "127.0.0.1", "tls", "false", "ids", "a,b"),
                feature.configurations().get("dev.wharf.listener~main"));
    }

    @Test
    void namesTheFileOfABrokenOrMissingDescriptor() throws Exception {
        Path broken = Files.writeString(directory.resolve("broken.json"), "{ \"bundles\": [ { \"id\": \"no-colons\" } ] }");
        InvalidFeatureException malformed = assertThrows(InvalidFeatureException.class,
                () -> FeatureDescriptor.read("broken", broken));
        assertTrue(malformed.getMessage().contains(broken.toString()), malformed.getMessage());

        InvalidFeatureException missing = assertThrows(InvalidFeatureException.class,
                () -> FeatureDescriptor.read("nope", directory.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("'nope' not found"), missing.getMessage());
    }

    @Test
    void factoryConfigurationsUseFileInstallsDashForm() {
        // FileInstall 3.7.4 splits the file name at its first '-' into factory PID and name; '~' would make a
        // singleton PID that no factory component ever sees
        assertEquals("dev.wharf.listener-main.cfg", ConfigFiles.fileFor(directory, "dev.wharf.listener~main")
                .getFileName().toString());
        assertEquals("dev.wharf.auth.passwd.cfg", ConfigFiles.fileFor(directory, "dev.wharf.auth.passwd")
                .getFileName().toString());
    }

    @Test
    void writesADefaultOnceAndNeverOverAnAdminsFile() throws Exception {
        Map<String, String> defaults = Map.of("file", "${wharf.home}/var/users", "pattern", "a\\b");
        assertTrue(ConfigFiles.writeIfMissing(directory, "auth", "dev.wharf.auth", defaults));

        Properties written = new Properties();
        try (Reader reader = Files.newBufferedReader(directory.resolve("dev.wharf.auth.cfg"))) {
            written.load(reader);
        }
        assertEquals(defaults, Map.copyOf((Map<?, ?>) written));

        Files.writeString(directory.resolve("dev.wharf.auth.cfg"), "file = mine\n");
        assertFalse(ConfigFiles.writeIfMissing(directory, "auth", "dev.wharf.auth", defaults));
        assertEquals("file = mine\n", Files.readString(directory.resolve("dev.wharf.auth.cfg")));
    }

    @Test
    void theDefaultListenerStaysMissingOnceAnotherListenerHasAFile() throws Exception {
        Map<String, String> main = Map.of("bind", "127.0.0.1", "port", "2121");
        Files.writeString(directory.resolve("dev.wharf.listener-ftps.cfg"), "port = 990\ntls.implicit = true\n");
        Files.writeString(directory.resolve("dev.wharf.listenerx.cfg"), "not = an instance\n");
        assertFalse(ConfigFiles.writeIfMissing(directory, "core", "dev.wharf.listener~main", main));
        assertFalse(Files.exists(directory.resolve("dev.wharf.listener-main.cfg")), "no main next to ftps");

        Files.delete(directory.resolve("dev.wharf.listener-ftps.cfg"));
        assertTrue(ConfigFiles.writeIfMissing(directory, "core", "dev.wharf.listener~main", main),
                "a server with no listener file at all gets main");
        assertTrue(Files.readString(directory.resolve("dev.wharf.listener-main.cfg")).contains("port = 2121"));
    }

    @Test
    void theFeaturesSharingFelixHttpDeclareTheSameDefaults() throws Exception {
        // metrics and webconsole each work alone, so each carries Felix HTTP's configuration; whichever is added
        // first writes etc/org.apache.felix.http.cfg, so they must not disagree
        // the descriptors as the build filtered them (the sources escape ${wharf.home} for Maven)
        Path features = Path.of("../features/target/classes/features");
        Map<String, String> metrics = FeatureDescriptor.read("metrics", features.resolve("metrics.json"))
                .configurations().get("org.apache.felix.http");
        Map<String, String> console = FeatureDescriptor.read("webconsole", features.resolve("webconsole.json"))
                .configurations().get("org.apache.felix.http");
        assertEquals(metrics, console);
        assertEquals("127.0.0.1", metrics.get("org.apache.felix.http.host"), "loopback only by default");
    }
}
