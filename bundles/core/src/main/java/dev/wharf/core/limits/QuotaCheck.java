package dev.wharf.core.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code bin/wharf quotacheck -d DIR}: counts an account's files again and rewrites its {@code .ftpquota}, like
 * Pure-FTPd's {@code pure-quotacheck} ({@code -u}/{@code -g} are accepted for its command lines; Wharf does not
 * change owners). Safe while the server runs: the file is locked as the server locks it.
 */
public final class QuotaCheck {

    private QuotaCheck() {
    }

    public static void main(String[] args) {
        String directory = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-d" -> directory = i + 1 < args.length ? args[++i] : null;
                case "-u", "-g" -> i++;
                default -> {
                    System.err.println("usage: wharf quotacheck -d DIRECTORY [-u user] [-g group]");
                    System.exit(2);
                }
            }
        }
        if (directory == null) {
            System.err.println("usage: wharf quotacheck -d DIRECTORY [-u user] [-g group]");
            System.exit(2);
        }
        Path root = Path.of(directory);
        if (!Files.isDirectory(root)) {
            System.err.println("wharf quotacheck: " + directory + " is not a directory");
            System.exit(1);
        }
        try {
            System.out.println(describe(root, QuotaFile.rebuild(root)));
        } catch (IOException failure) {
            System.err.println("wharf quotacheck: " + directory + ": " + failure.getMessage());
            System.exit(1);
        }
    }

    public static String describe(Path root, QuotaFile.Usage usage) {
        return root + ": " + usage.files() + " files and directories, " + usage.bytes() + " bytes (written to "
                + root.resolve(QuotaFile.FILE_NAME) + ")";
    }
}
