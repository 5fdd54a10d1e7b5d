package dev.wharf.storage.s3;

import dev.wharf.api.storage.StorageFullException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns the SDK's exceptions into the {@code java.nio.file} ones the core answers with, each naming the setting
 * to look at: a refused key or secret, a missing bucket, an endpoint that cannot be reached or stays silent.
 */
final class S3Failures {

    private static final Logger LOG = LoggerFactory.getLogger(S3Failures.class);

    private S3Failures() {
    }

    /** S3's error code ({@code NoSuchKey}, {@code AccessDenied}, ...), or {@code null} for a client-side failure. */
    static String code(SdkException failure) {
        if (failure instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode();
        }
        return null;
    }

    static int status(SdkException failure) {
        return failure instanceof AwsServiceException service ? service.statusCode() : 0;
    }

    /** Why a login cannot get its storage: the text the log and the {@code 421} reply carry. */
    static IOException atLogin(SdkException failure, S3StorageProvider.Target target) {
        return new IOException(describe(failure, target, "s3://" + target.bucket() + "/" + target.prefix()), failure);
    }

    /** The failure of one operation on {@code path}; outages and refusals are logged with the setting to check. */
    static IOException during(SdkException failure, S3StorageProvider.Target target, String path) {
        String code = code(failure);
        int status = status(failure);
        if ("EntityTooLarge".equals(code) || "QuotaExceeded".equals(code) || "XMinioStorageFull".equals(code)
                || status == 507) {
            return new StorageFullException(path);
        }
        String reason = describe(failure, target, path);
        if (status == 403) {
            LOG.warn("S3 storage: {}", reason);
            AccessDeniedException denied = new AccessDeniedException(path, null, reason);
            denied.initCause(failure);
            return denied;
        }
        if (failure instanceof SdkClientException || "NoSuchBucket".equals(code) || status >= 500) {
            LOG.warn("S3 storage: {}", reason);
        }
        return new IOException(reason, failure);
    }

    private static String describe(SdkException failure, S3StorageProvider.Target target, String what) {
        String code = code(failure);
        String endpoint = target.endpoint().isEmpty() ? "AWS S3 (" + target.region() + ")" : target.endpoint();
        if ("NoSuchBucket".equals(code) || (code == null && status(failure) == 404)) {
            return "bucket '" + target.bucket() + "' does not exist at " + endpoint + " (setting bucket, or the "
                    + "account attribute " + S3StorageProvider.BUCKET + ")";
        }
        if (status(failure) == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
            return endpoint + " refused access to " + what + " (" + (code == null ? "403" : code) + "): check the "
                    + "settings access.key and secret.key, or the account attributes "
                    + S3StorageProvider.ACCESS_KEY + " and " + S3StorageProvider.SECRET_KEY;
        }
        if (failure instanceof SdkClientException) {
            return "S3 endpoint " + endpoint + " cannot be reached for " + what + ": " + shortMessage(failure)
                    + " (settings endpoint, connect.timeout.seconds, read.timeout.seconds)";
        }
        return "S3 error for " + what + " at " + endpoint + ": " + (code == null ? "" : code + " ")
                + shortMessage(failure);
    }

    private static String shortMessage(SdkException failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root == failure ? failure.getMessage() : root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage());
        if (message == null) {
            return failure.getClass().getSimpleName();
        }
        int end = message.indexOf(" (Service:");
        return (end > 0 ? message.substring(0, end) : message).strip();
    }
}
