package dev.wharf.hook.uploadscript;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An uploaded file as {@code pure-uploadscript} sees it: its absolute path (the directory's real path, the name as
 * stored), and what {@code lstat} says about it. Only regular files qualify: a symbolic link, a directory or a file
 * that has gone is not passed on.
 *
 * @param path    the absolute path handed to the program as its only argument
 * @param account the FTP login ({@code UPLOAD_VUSER})
 * @param size    the file's size now (not the bytes of this transfer: an APPE or REST adds to a file)
 * @param mode    the permission bits, {@code st_mode & 07777}
 * @param uid     the owner's user id
 * @param gid     the owner's group id
 * @param user    the owner's login, or null when the id has no name
 * @param group   the owner group's name, or null when the id has no name
 */
record UploadedFile(Path path, String account, long size, int mode, int uid, int gid, String user, String group) {

    /** Pure-FTPd's limit for the login in the FIFO record and in {@code UPLOAD_VUSER}. */
    static final int MAX_ACCOUNT_BYTES = 127;
    /** {@code PATH_MAX} - 1: pure-uploadscript's buffer for the path. */
    static final int MAX_PATH_BYTES = 4095;

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    /** Why an upload is not passed on; the message says what is wrong with it. */
    static final class NotEligibleException extends Exception {
        private static final long serialVersionUID = 1L;

        NotEligibleException(String message) {
            super(message);
        }
    }

    /**
     * Looks at the file now.
     *
     * @throws NotEligibleException when it is no longer a regular file at that path, or the login or the path
     *                              cannot be passed on unchanged (control characters, too long)
     */
    static UploadedFile examine(String account, Path file) throws NotEligibleException {
        if (file.getFileSystem() != FileSystems.getDefault()) {
            throw new NotEligibleException("not on the local file system (" + file.getFileSystem() + ")");
        }
        if (hasControlCharacter(account)) {
            throw new NotEligibleException("the login contains control characters");
        }
        if (account.getBytes(StandardCharsets.UTF_8).length > MAX_ACCOUNT_BYTES) {
            throw new NotEligibleException("the login is longer than " + MAX_ACCOUNT_BYTES + " bytes");
        }
        Path absolute = file.toAbsolutePath().normalize();
        Path name = absolute.getFileName();
        if (name == null || absolute.getParent() == null) {
            throw new NotEligibleException("not a file name");
        }
        Path path;
        Map<String, Object> attributes;
        try {
            // like realpath(3) for the directories; the name itself must not be a link (lstat below)
            path = absolute.getParent().toRealPath().resolve(name);
            attributes = Files.readAttributes(path, "unix:mode,uid,gid,size,owner,group", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException gone) {
            throw new NotEligibleException("cannot be examined: " + gone);
        }
        String text = path.toString();
        if (hasControlCharacter(text)) {
            throw new NotEligibleException("the path contains control characters");
        }
        if (text.getBytes(fileNameCharset()).length > MAX_PATH_BYTES) {
            throw new NotEligibleException("the path is longer than " + MAX_PATH_BYTES + " bytes");
        }
        int mode = (Integer) attributes.get("mode");
        if ((mode & S_IFMT) != S_IFREG) {
            throw new NotEligibleException("not a regular file");
        }
        int uid = (Integer) attributes.get("uid");
        int gid = (Integer) attributes.get("gid");
        return new UploadedFile(path, account, (Long) attributes.get("size"), mode & 07777, uid, gid,
                nameOf((UserPrincipal) attributes.get("owner"), uid), nameOf((GroupPrincipal) attributes.get("group"),
                        gid));
    }

    /** The JDK names an id without a passwd/group entry by its number: that is no name. */
    private static String nameOf(UserPrincipal principal, int id) {
        if (principal == null) {
            return null;
        }
        String name = principal.getName();
        return name.isEmpty() || name.equals(Integer.toString(id)) ? null : name;
    }

    /** Pure-FTPd's control codes: below 0x20, and 0x7f. */
    static boolean hasControlCharacter(String text) {
        return text.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }

    /** How the JDK turns paths into bytes for the operating system. */
    static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException unknown) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The {@code UPLOAD_*} variables, as pure-uploadscript sets them. */
    Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("UPLOAD_SIZE", Long.toString(size));
        environment.put("UPLOAD_PERMS", Integer.toOctalString(mode));
        environment.put("UPLOAD_UID", Integer.toUnsignedString(uid));
        environment.put("UPLOAD_GID", Integer.toUnsignedString(gid));
        if (user != null) {
            environment.put("UPLOAD_USER", user);
        }
        if (group != null) {
            environment.put("UPLOAD_GROUP", group);
        }
        environment.put("UPLOAD_VUSER", account);
        return environment;
    }
}
