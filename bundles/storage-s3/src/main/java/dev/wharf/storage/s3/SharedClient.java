package dev.wharf.storage.s3;

import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 client (and its HTTP client) shared by the sessions of one endpoint and set of credentials. The provider
 * retires it when it is deactivated; it is closed once retired and no session uses it any more, so that sessions
 * keep their storage when the provider goes away, as the storage SPI promises.
 */
final class SharedClient {

    private final S3Client client;
    private final SdkHttpClient http;
    private int users;
    private boolean retired;
    private boolean closed;

    SharedClient(S3Client client, SdkHttpClient http) {
        this.client = client;
        this.http = http;
    }

    S3Client client() {
        return client;
    }

    /** Counts one more user; false once retired (the caller makes a new one). */
    synchronized boolean acquire() {
        if (retired) {
            return false;
        }
        users++;
        return true;
    }

    synchronized void release() {
        users--;
        closeIfUnused();
    }

    synchronized void retire() {
        retired = true;
        closeIfUnused();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private void closeIfUnused() {
        if (retired && users <= 0 && !closed) {
            closed = true;
            client.close();
            http.close();
        }
    }
}
