package dev.wharf.core.server;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh {@link TestServer} per test, with alice's home at hand. */
abstract class ServerTestBase {

    @TempDir
    Path temp;
    TestServer server;
    Path home;

    @BeforeEach
    void startServer() throws IOException {
        server = new TestServer(temp.resolve("users"));
        home = server.home("alice");
    }

    @AfterEach
    void stopServer() {
        server.close();
    }
}
