package dev.wharf.api.storage;

/**
 * The room of the file system behind a path.
 *
 * @param total  bytes in all; 0 when unknown or unlimited
 * @param usable bytes an unprivileged writer can still use
 */
public record Space(long total, long usable) {
}
