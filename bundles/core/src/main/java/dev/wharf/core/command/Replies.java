package dev.wharf.core.command;

import dev.wharf.api.storage.StorageFullException;
import dev.wharf.core.fs.PathRefusedException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Small helpers for reply texts. */
final class Replies {

    private Replies() {
    }

    /** Replaces control characters so that client-supplied text can never split a reply line. */
    static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                if (out == null) {
                    out = new StringBuilder(text);
                }
                out.setCharAt(i, '_');
            }
        }
        return out == null ? text : out.toString();
    }

    /** RFC 959 quoting for 257 replies: the path in double quotes, inner quotes doubled. */
    static String quoted(String path) {
        return '"' + printable(path).replace("\"", "\"\"") + '"';
    }

    /** Whether a failure means the storage is full (ENOSPC, EDQUOT), whoever reported it. */
    static boolean storageFull(IOException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StorageFullException) {
                return true;
            }
            String message = cause.getMessage();
            if (message != null && (message.contains("No space left on device")
                    || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** A strerror-like reason for a failed file operation, without leaking real paths. */
    static String reason(IOException failure) {
        if (storageFull(failure)) {
            return "No space left on device";
        }
        if (failure instanceof PathRefusedException) {
            return failure.getMessage();
        }
        if (failure instanceof FileSystemException fileSystem && fileSystem.getReason() != null) {
            return fileSystem.getReason();
        }
        if (failure instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (failure instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (failure instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (failure instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (failure instanceof NotDirectoryException) {
            return "Not a directory";
        }
        return "Input/output error";
    }
}
