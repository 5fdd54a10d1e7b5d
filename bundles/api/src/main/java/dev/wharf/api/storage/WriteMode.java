package dev.wharf.api.storage;

/** How {@link Storage#openWrite} opens a file in place (new uploads go through {@link Storage#startUpload}). */
public enum WriteMode {
    /** Create if missing, position at the end (APPE; needs {@link StorageCapability#APPEND}). */
    APPEND,
    /** The file must exist; cut at the offset and write from there (REST + STOR; {@link StorageCapability#RESUME}). */
    AT_OFFSET,
    /** Create if missing, read and write from the start without cutting (small bookkeeping files). */
    UPDATE
}
