package dev.wharf.tls.files;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** An FTPS client that only does AUTH TLS with a chosen SNI name and reports the server's certificate. */
public final class TlsProbe {

    private TlsProbe() {
    }

    /** The leaf certificate the server presents for {@code serverName} ({@code null}: no SNI). */
    public static X509Certificate certificateFor(int port, String serverName) throws IOException {
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(),
                    StandardCharsets.UTF_8));
            expect(in, "220");
            OutputStream out = plain.getOutputStream();
            out.write("AUTH TLS\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "234");
            SSLSocket ssl = (SSLSocket) trustingEverything().getSocketFactory().createSocket(plain, "127.0.0.1",
                    port, true);
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            ssl.setSSLParameters(parameters);
            ssl.startHandshake();
            return (X509Certificate) ssl.getSession().getPeerCertificates()[0];
        }
    }

    public static String commonName(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed while waiting for " + code);
            }
        } while (line.length() < 4 || line.charAt(3) == '-');
        if (!line.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + line);
        }
    }

    private static SSLContext trustingEverything() throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException impossible) {
            throw new IOException(impossible);
        }
    }
}
