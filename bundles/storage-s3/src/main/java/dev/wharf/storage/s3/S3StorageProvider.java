package dev.wharf.storage.s3;

import dev.wharf.api.auth.Account;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageProvider;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Serves accounts from an S3-compatible bucket (AWS S3, MinIO, Ceph RGW): an account's root is a key prefix, its
 * directories are prefixes with zero-byte {@code dir/} markers, uploads are multipart uploads completed only when
 * the file is whole ({@link S3Storage}). Every setting can be overridden per account by its {@code storage.*}
 * attribute. The component owns the HTTP client, one S3 client per distinct endpoint and credentials, and the
 * thread that aborts stale multipart uploads; deactivating closes them all.
 */
@Component(service = StorageProvider.class, configurationPid = S3StorageProvider.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = StorageProvider.NAME_PROPERTY + "=" + S3StorageProvider.NAME)
@Designate(ocd = S3StorageProvider.Config.class)
public class S3StorageProvider implements StorageProvider {

    static final String PID = "dev.wharf.storage.s3";
    static final String NAME = "s3";
    private static final Logger LOG = LoggerFactory.getLogger(S3StorageProvider.class);

    @ObjectClassDefinition(name = "Wharf S3 storage",
            description = "Accounts' files in an S3-compatible bucket; account attributes storage.endpoint, "
                    + "storage.region, storage.bucket, storage.prefix, storage.access.key and storage.secret.key "
                    + "override the settings of the same name per account.")
    public @interface Config {
        @AttributeDefinition(name = "Endpoint", required = false,
                description = "Base URL of the S3 service, e.g. http://127.0.0.1:9000 for MinIO; empty for AWS S3 "
                        + "in the given region.")
        String endpoint() default "";

        @AttributeDefinition(name = "Region", description = "Signing region; S3-compatible servers mostly accept "
                + "us-east-1.")
        String region() default "us-east-1";

        @AttributeDefinition(name = "Bucket", required = false, description = "The bucket accounts' files live in; "
                + "it must exist (Wharf does not create buckets).")
        String bucket() default "";

        @AttributeDefinition(name = "Key prefix", required = false,
                description = "Where an account's root is in the bucket; {user} is the account name. Empty: the "
                        + "whole bucket.")
        String prefix() default "{user}/";

        @AttributeDefinition(name = "Access key", required = false, description = "Access key id; with secret.key "
                + "both are needed (there is no instance-metadata or profile lookup).")
        String access_key() default "";

        @AttributeDefinition(name = "Secret key", required = false, description = "Secret access key.", type = org.osgi.service.metatype.annotations
                .AttributeType.PASSWORD)
        String secret_key() default "";

        @AttributeDefinition(name = "Path-style addressing",
                description = "http://endpoint/bucket/key instead of http://bucket.endpoint/key: MinIO, Ceph and "
                        + "S3 servers reached by IP address need it.")
        boolean path_style() default false;

        @AttributeDefinition(name = "Connect timeout (seconds)",
                description = "How long to wait for a TCP connection to the endpoint.")
        int connect_timeout_seconds() default 5;

        @AttributeDefinition(name = "Read timeout (seconds)",
                description = "How long the endpoint may stay silent during a request before it is given up.")
        int read_timeout_seconds() default 30;

        @AttributeDefinition(name = "Attempts per request",
                description = "Tries of a failed request (1: no retry); bounds how long an outage keeps a client "
                        + "waiting: attempts x (connect + read timeout).")
        int max_attempts() default 3;

        @AttributeDefinition(name = "Part size (MiB)",
                description = "Bytes an upload keeps in memory before sending them as one part of a multipart "
                        + "upload (5 to 5120); smaller files are sent in one PUT. Memory per upload stays below it, "
                        + "and a file can have up to 10,000 parts.")
        int part_size_mb() default 8;

        @AttributeDefinition(name = "Stale upload age (hours)",
                description = "Multipart uploads under an account's prefix older than this are aborted when the "
                        + "account first logs in after a start (what a crash left behind); 0 disables it.")
        int stale_upload_hours() default 24;

        @AttributeDefinition(name = "Create missing roots",
                description = "Create the directory marker of an account's prefix (and start directory) at login.")
        boolean create_home() default true;
    }

    /** Attribute names an account can override the settings with. */
    static final String ENDPOINT = "storage.endpoint";
    static final String REGION = "storage.region";
    static final String BUCKET = "storage.bucket";
    static final String PREFIX = "storage.prefix";
    static final String ACCESS_KEY = "storage.access.key";
    static final String SECRET_KEY = "storage.secret.key";

    /** In the prefix, the account's name. */
    static final String USER_PLACEHOLDER = "{user}";

    /** S3's limits on part sizes. */
    static final int MIN_PART_MB = 5;
    static final int MAX_PART_MB = 5120;

    private volatile Config config;
    private ExecutorService cleaner;
    /** One client per endpoint, region, addressing and credentials; retired with the component. */
    private final Map<ClientKey, SharedClient> clients = new ConcurrentHashMap<>();
    /** Bucket and prefix pairs whose stale uploads were looked for since activation. */
    private final Set<String> cleaned = ConcurrentHashMap.newKeySet();
    /** Objects above this size are copied in parts (S3's single CopyObject stops at 5 GiB); tests lower it. */
    volatile long multipartCopyThreshold = 5L << 30;

    private record ClientKey(String endpoint, String region, boolean pathStyle, String accessKey, String secretKey) {
        @Override
        public String toString() { // never the secret
            return "ClientKey[" + endpoint + ", " + region + ", " + accessKey + "]";
        }
    }

    /** What one account's storage is made of, after its attributes are applied. */
    record Target(String endpoint, String region, String bucket, String prefix, String accessKey, String secretKey) {
    }

    @Activate
    public void activate(Config config) {
        this.config = config;
        cleaner = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "wharf-s3-stale-uploads");
            thread.setDaemon(true);
            return thread;
        });
        if (config.part_size_mb() < MIN_PART_MB || config.part_size_mb() > MAX_PART_MB) {
            LOG.warn("S3 storage: part.size.mb must be between {} and {}, not {}; using {}", MIN_PART_MB, MAX_PART_MB,
                    config.part_size_mb(), partSize() >> 20);
        }
        LOG.info("S3 storage: endpoint {}, bucket '{}', prefix '{}', parts of {} MiB",
                config.endpoint().isBlank() ? "AWS (" + config.region() + ")" : config.endpoint(), config.bucket(),
                config.prefix(), partSize() >> 20);
    }

    /** Stops the sweeping thread; the clients close as soon as the sessions using them have ended. */
    @Deactivate
    public void deactivate() {
        cleaner.shutdownNow();
        clients.values().forEach(SharedClient::retire);
        clients.clear();
    }

    int partSize() {
        int mb = Math.clamp(config.part_size_mb(), MIN_PART_MB, MAX_PART_MB);
        return mb << 20;
    }

    @Override
    public Storage open(Account account, Identity identity) throws IOException {
        Target target = target(account);
        SharedClient shared = client(target);
        S3Client client = shared.client();
        boolean opened = false;
        try {
            try {
                client.headBucket(request -> request.bucket(target.bucket()));
            } catch (SdkException failure) {
                IOException reason = S3Failures.atLogin(failure, target);
                LOG.warn("S3 storage: account '{}' cannot log in: {}", account.name(), reason.getMessage());
                throw reason;
            }
            S3Storage storage = new S3Storage(shared, target, identity, partSize(), multipartCopyThreshold);
            if (config.create_home()) {
                try {
                    storage.createRoot(account.startDirectory());
                } catch (IOException failure) {
                    LOG.warn("S3 storage: account '{}' cannot log in: {}", account.name(), failure.getMessage());
                    throw failure;
                }
            }
            int staleHours = config.stale_upload_hours();
            if (staleHours > 0 && cleaned.add(target.endpoint() + "|" + target.bucket() + "|" + target.prefix())
                    && shared.acquire()) {
                Instant before = Instant.now().minus(Duration.ofHours(staleHours));
                try {
                    cleaner.execute(() -> {
                        try {
                            abortStaleUploads(client, target, before);
                        } finally {
                            shared.release();
                        }
                    });
                } catch (RejectedExecutionException stopping) {
                    shared.release(); // the component is being deactivated
                }
            }
            opened = true;
            return storage;
        } finally {
            if (!opened) {
                shared.release();
            }
        }
    }

    /** The account's settings: the configuration, overridden by its {@code storage.*} attributes. */
    Target target(Account account) throws IOException {
        Config settings = config;
        String endpoint = account.attribute(ENDPOINT, settings.endpoint()).strip();
        String region = account.attribute(REGION, settings.region()).strip();
        String bucket = account.attribute(BUCKET, settings.bucket()).strip();
        String prefix = account.attribute(PREFIX, settings.prefix()).strip();
        String accessKey = account.attribute(ACCESS_KEY, settings.access_key()).strip();
        String secretKey = account.attribute(SECRET_KEY, settings.secret_key());
        if (bucket.isEmpty()) {
            throw refused(account, "no bucket is set (setting bucket in " + PID + ", or the account attribute "
                    + BUCKET + ")");
        }
        if (accessKey.isEmpty() || secretKey.isEmpty()) {
            throw refused(account, "no credentials are set (settings access.key and secret.key in " + PID
                    + ", or the account attributes " + ACCESS_KEY + " and " + SECRET_KEY + ")");
        }
        if (!endpoint.isEmpty()) {
            try {
                URI uri = new URI(endpoint);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new URISyntaxException(endpoint, "not an http or https URL");
                }
            } catch (URISyntaxException bad) {
                throw refused(account, "endpoint '" + endpoint + "' is not an http(s) URL (setting endpoint, or "
                        + "the account attribute " + ENDPOINT + ")");
            }
        }
        if (account.name().contains("/") && prefix.contains(USER_PLACEHOLDER)) {
            throw refused(account, "the account name contains '/', which cannot be used in the prefix");
        }
        String expanded = prefix.replace(USER_PLACEHOLDER, account.name());
        while (expanded.startsWith("/")) {
            expanded = expanded.substring(1);
        }
        if (!expanded.isEmpty() && !expanded.endsWith("/")) {
            expanded += "/";
        }
        for (String segment : expanded.split("/")) {
            if (segment.equals("..") || segment.equals(".") || (segment.isEmpty() && !expanded.isEmpty())) {
                throw refused(account, "prefix '" + expanded + "' has an empty, '.' or '..' segment (setting "
                        + "prefix, or the account attribute " + PREFIX + ")");
            }
        }
        return new Target(endpoint, region.isEmpty() ? "us-east-1" : region, bucket, expanded, accessKey, secretKey);
    }

    private static IOException refused(Account account, String reason) {
        LOG.warn("S3 storage: account '{}' cannot log in: {}", account.name(), reason);
        return new IOException(reason);
    }

    /** The shared client for the target's endpoint and credentials, counted as used once more. */
    private SharedClient client(Target target) {
        ClientKey key = new ClientKey(target.endpoint(), target.region(), config.path_style(), target.accessKey(),
                target.secretKey());
        while (true) {
            SharedClient shared = clients.computeIfAbsent(key, ignored -> newClient(target));
            if (shared.acquire()) {
                return shared;
            }
            clients.remove(key, shared); // retired meanwhile
        }
    }

    private SharedClient newClient(Target target) {
        // Apache HttpClient 5 streams request bodies of known length (the JDK's HttpURLConnection, behind the SDK's
        // url-connection-client, buffers each one whole) and pools connections
        SdkHttpClient http = Apache5HttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(Math.max(1, config.connect_timeout_seconds())))
                .socketTimeout(Duration.ofSeconds(Math.max(1, config.read_timeout_seconds())))
                .build();
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(http)
                .region(Region.of(target.region()))
                .forcePathStyle(config.path_style())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(target.accessKey(), target.secretKey())))
                // S3-compatible servers do not all know the newer checksum headers; S3 needs them only where a
                // request requires one
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(override -> override.retryStrategy(
                        retry -> retry.maxAttempts(Math.max(1, config.max_attempts()))));
        if (!target.endpoint().isEmpty()) {
            builder.endpointOverride(URI.create(target.endpoint()));
        }
        // the SDK finds its request interceptors as resources through the context class loader: this bundle's
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(S3StorageProvider.class.getClassLoader());
        try {
            return new SharedClient(builder.build(), http);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Aborts the multipart uploads under the target's prefix started before {@code before}. */
    static int abortStaleUploads(S3Client client, Target target, Instant before) {
        int aborted = 0;
        try {
            String keyMarker = null;
            String uploadMarker = null;
            while (!Thread.currentThread().isInterrupted()) {
                String keys = keyMarker;
                String uploads = uploadMarker;
                ListMultipartUploadsResponse page = client.listMultipartUploads(request -> request
                        .bucket(target.bucket()).prefix(target.prefix()).keyMarker(keys).uploadIdMarker(uploads));
                for (MultipartUpload upload : page.uploads()) {
                    if (upload.initiated() != null && upload.initiated().isBefore(before)) {
                        try {
                            client.abortMultipartUpload(request -> request.bucket(target.bucket())
                                    .key(upload.key()).uploadId(upload.uploadId()));
                            aborted++;
                        } catch (NoSuchKeyException gone) {
                            // finished or aborted meanwhile
                        } catch (SdkException failure) {
                            if (!"NoSuchUpload".equals(S3Failures.code(failure))) {
                                throw failure;
                            }
                        }
                    }
                }
                if (!Boolean.TRUE.equals(page.isTruncated())) {
                    break;
                }
                keyMarker = page.nextKeyMarker();
                uploadMarker = page.nextUploadIdMarker();
            }
            if (aborted > 0) {
                LOG.info("S3 storage: aborted {} stale multipart upload(s) under s3://{}/{}", aborted,
                        target.bucket(), target.prefix());
            }
        } catch (SdkException failure) {
            LOG.warn("S3 storage: could not look for stale multipart uploads under s3://{}/{}: {}", target.bucket(),
                    target.prefix(), failure.getMessage());
        }
        return aborted;
    }
}
