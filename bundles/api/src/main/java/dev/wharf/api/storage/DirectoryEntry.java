package dev.wharf.api.storage;

/**
 * One entry of a directory listing.
 *
 * @param name the entry's name (one component)
 * @param info its attributes, symbolic links not followed
 */
public record DirectoryEntry(String name, FileInfo info) {
}
