package dev.wharf.tls.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key and certificate files made by the openssl command, the tool administrators use, in the forms found in the
 * wild: Pure-FTPd's combined pure-ftpd.pem, separate PEM files (PKCS#8, PKCS#1, SEC1, encrypted), PKCS#12, and a
 * leaf signed by a test CA.
 */
public final class TestCertificates {

    private final Path directory;

    public TestCertificates(Path directory) {
        this.directory = directory;
    }

    public Path path(String name) {
        return directory.resolve(name);
    }

    /** {@code openssl req -x509} with the key written next to the certificate; RSA or EC (P-256). */
    public void selfSigned(String name, String keyType, String... dnsNames) throws IOException {
        List<String> command = new ArrayList<>(List.of("req", "-x509", "-nodes", "-days", "30"));
        command.addAll(keyOptions(keyType));
        command.addAll(List.of("-keyout", name + ".key", "-out", name + ".crt", "-subj", "/CN=" + dnsNames[0],
                "-addext", "subjectAltName=" + String.join(",", List.of(dnsNames).stream().map(n -> "DNS:" + n)
                        .toList())));
        openssl(command);
    }

    /** Pure-FTPd's documented way: key and certificate written into the same file. */
    public Path pureFtpdPem(String dnsName) throws IOException {
        openssl(List.of("req", "-x509", "-nodes", "-days", "30", "-newkey", "rsa:2048", "-keyout", "pure-ftpd.pem",
                "-out", "pure-ftpd.pem", "-subj", "/CN=" + dnsName));
        return path("pure-ftpd.pem");
    }

    /** A CA and a leaf it signed: {@code ca.crt}, {@code <name>.key}, {@code <name>.crt}. */
    public void signedByTestCa(String name, String dnsName) throws IOException {
        if (!Files.exists(path("ca.crt"))) {
            openssl(List.of("req", "-x509", "-nodes", "-days", "30", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Wharf Test CA"));
        }
        openssl(List.of("req", "-x509", "-CA", "ca.crt", "-CAkey", "ca.key", "-nodes", "-days", "30", "-newkey",
                "rsa:2048", "-keyout", name + ".key", "-out", name + ".crt", "-subj", "/CN=" + dnsName, "-addext",
                "subjectAltName=DNS:" + dnsName));
    }

    public void openssl(List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(command + " failed: " + output);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IOException(interrupted);
        }
    }

    /** The concatenation of files, as administrators build chains with cat. */
    public Path concatenate(String target, String... sources) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String source : sources) {
            text.append(Files.readString(path(source)));
        }
        return Files.writeString(path(target), text);
    }

    private static List<String> keyOptions(String keyType) {
        return keyType.equals("rsa") ? List.of("-newkey", "rsa:2048")
                : List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
    }
}
