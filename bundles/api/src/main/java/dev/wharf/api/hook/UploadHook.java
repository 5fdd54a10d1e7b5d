package dev.wharf.api.hook;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives upload events; registered as an OSGi service. Must be thread safe. */
@ConsumerType
public interface UploadHook {

    /**
     * Called once per upload, complete or not.
     *
     * @param event what was uploaded; the file may already have been moved or deleted by the time this runs
     * @throws Exception anything; it is logged and does not affect the session
     */
    void uploaded(UploadEvent event) throws Exception;
}
