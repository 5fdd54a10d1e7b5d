package dev.wharf.api.storage;

import java.nio.file.FileSystemException;

/** The storage has no room left ({@code ENOSPC}, {@code EDQUOT}): FTP answers 452/552, not 451. */
public class StorageFullException extends FileSystemException {

    private static final long serialVersionUID = 1L;

    public StorageFullException(String path) {
        super(path, null, "No space left on device");
    }
}
