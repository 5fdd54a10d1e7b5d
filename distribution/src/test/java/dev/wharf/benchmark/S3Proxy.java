package dev.wharf.benchmark;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The S3 service of the {@code s3} group: S3Proxy (the jar the build copies to target/s3proxy) in a child JVM on a
 * free loopback port, so that its CPU is not the benchmark client's, keeping its objects in memory (its
 * file-system store turns directory markers into directories), without authentication (Wharf signs its requests
 * anyway). The benchmark puts, sizes and deletes objects behind Wharf's back over plain HTTP.
 */
final class S3Proxy implements AutoCloseable {

    static final String BUCKET = "wharf-bench";
    static final String ACCESS_KEY = "bench";
    static final String SECRET_KEY = "bench-secret";
    /** The content type the S3 storage gives directory markers. */
    private static final String DIRECTORY_TYPE = "application/x-directory";

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private S3Proxy(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts S3Proxy with {@code heap} (its objects live there: the 1 GiB file, an upload's parts and the object
     * they are joined into) and makes the bucket.
     */
    static S3Proxy start(Path jar, Path work, String heap) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no S3Proxy jar at " + jar + " (benchmark.s3proxy.jar); the build copies "
                    + "it to distribution/target/s3proxy");
        }
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Path properties = Files.writeString(work.resolve("s3proxy.conf"), String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port, "s3proxy.authorization=none",
                "jclouds.provider=transient-nio2", "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY, ""));
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx" + heap, "-jar", jar.toString(), "--properties", properties.toString()))
                .redirectErrorStream(true).redirectOutput(work.resolve("s3proxy.log").toFile()).start();
        S3Proxy s3 = new S3Proxy(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                s3.expect(s3.http.send(s3.request("").PUT(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.discarding()), "the bucket's creation");
                return s3;
            } catch (ConnectException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    s3.close();
                    throw new IOException("S3Proxy did not start; see " + work.resolve("s3proxy.log"));
                }
                Thread.sleep(100);
            }
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** S3Proxy's process, for its CPU time. */
    Process process() {
        return process;
    }

    void put(String key, Path file) throws Exception {
        expect(http.send(request(key).PUT(HttpRequest.BodyPublishers.ofFile(file)).build(),
                HttpResponse.BodyHandlers.discarding()), "PUT " + key);
    }

    void put(String key, byte[] content) throws Exception {
        expect(http.send(request(key).PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(),
                HttpResponse.BodyHandlers.discarding()), "PUT " + key);
    }

    /** A directory marker as Wharf makes one: {@code key} ends with a slash. */
    void putDirectory(String key) throws Exception {
        expect(http.send(request(key).header("Content-Type", DIRECTORY_TYPE)
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()),
                "PUT " + key);
    }

    /** The object's size, or -1 when there is none. */
    long size(String key) throws Exception {
        HttpResponse<Void> response = http.send(request(key).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 404) {
            return -1;
        }
        expect(response, "HEAD " + key);
        return response.headers().firstValueAsLong("Content-Length").orElse(-1);
    }

    void delete(String key) throws Exception {
        expect(http.send(request(key).DELETE().build(), HttpResponse.BodyHandlers.discarding()), "DELETE " + key);
    }

    private HttpRequest.Builder request(String key) {
        return HttpRequest.newBuilder(URI.create(endpoint() + "/" + BUCKET + (key.isEmpty() ? "" : "/" + key)))
                .timeout(Duration.ofMinutes(5));
    }

    private static void expect(HttpResponse<?> response, String what) throws IOException {
        if (response.statusCode() / 100 != 2) {
            throw new IOException("S3Proxy answered " + response.statusCode() + " to " + what);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
