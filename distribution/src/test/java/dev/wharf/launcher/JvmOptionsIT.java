package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JVM options {@code bin/wharf} of the built archive starts the server with, as the JVM itself reports them
 * ({@code -XX:+PrintCommandLineFlags}, with {@code -version} so that it stops there): the Serial collector with a
 * small young generation and a heap that shrinks back after the core's full collections (MemoryReturn), the native
 * heap trimmed; an administrator's {@code JAVA_OPTS} win.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JvmOptionsIT {

    private static Path server;

    @BeforeAll
    static void unpack() throws Exception {
        server = ServerLogs.unpack("jvmoptions");
    }

    @Test
    void byDefaultSerialWithASmallYoungGenerationAndAHeapThatShrinksBack() throws Exception {
        Set<String> flags = flags("");
        assertTrue(flags.contains("-XX:+UseSerialGC"), flags.toString());
        assertTrue(flags.contains("-XX:NewSize=16777216"), flags.toString());
        assertTrue(flags.contains("-XX:InitialHeapSize=33554432"), flags.toString());
        assertTrue(flags.contains("-XX:MinHeapFreeRatio=10"), flags.toString());
        assertTrue(flags.contains("-XX:MaxHeapFreeRatio=30"), flags.toString());
        assertTrue(flags.contains("-XX:-ShrinkHeapInSteps"), flags.toString());
        assertTrue(flags.contains("-XX:TrimNativeHeapInterval=5000"), flags.toString());
        assertTrue(flags.stream().anyMatch(flag -> flag.startsWith("-XX:MaxHeapSize=")), flags.toString());
    }

    @Test
    void serialNamedInJavaOptsKeepsTheSizingAndAnInitialHeapGivenThereWins() throws Exception {
        Set<String> flags = flags("-XX:+UseSerialGC -Xms64m -XX:MaxHeapFreeRatio=50");
        assertTrue(flags.contains("-XX:+UseSerialGC"), flags.toString());
        assertTrue(flags.contains("-XX:InitialHeapSize=67108864"), flags.toString());
        assertTrue(flags.contains("-XX:NewSize=16777216"), flags.toString());
        assertTrue(flags.contains("-XX:MaxHeapFreeRatio=50"), flags.toString());
        assertTrue(flags.contains("-XX:-ShrinkHeapInSteps"), flags.toString());
    }

    @Test
    void anotherCollectorGetsNoneOfSerialsSizing() throws Exception {
        Set<String> flags = flags("-XX:+UseG1GC");
        assertTrue(flags.contains("-XX:+UseG1GC"), flags.toString());
        assertFalse(flags.contains("-XX:+UseSerialGC"), flags.toString());
        assertFalse(flags.contains("-XX:NewSize=16777216"), flags.toString());
        assertFalse(flags.contains("-XX:MinHeapFreeRatio=10"), flags.toString());
        assertFalse(flags.contains("-XX:-ShrinkHeapInSteps"), flags.toString());
        assertTrue(flags.contains("-XX:TrimNativeHeapInterval=5000"), flags.toString());
    }

    /** The flags the JVM reports when {@code bin/wharf run} starts it with {@code javaOpts} added. */
    private static Set<String> flags(String javaOpts) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(server.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", (javaOpts + " -XX:+PrintCommandLineFlags -version").trim());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "bin/wharf run -version ended");
        assertEquals(0, process.exitValue(), output);
        // the first line of flags is the server JVM's (the AOT cache's assembly, a child JVM, may print its own)
        String line = output.lines().filter(text -> text.startsWith("-XX:")).findFirst().orElse("");
        return Arrays.stream(line.trim().split("\\s+")).collect(Collectors.toSet());
    }
}
