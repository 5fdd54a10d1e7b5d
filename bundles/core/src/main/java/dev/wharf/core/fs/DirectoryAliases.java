package dev.wharf.core.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pure-FTPd's directory aliases ({@code --with-diraliases}, Debian's {@code /etc/pure-ftpd/pureftpd-dir-aliases}):
 * a file of alternating lines, an alias name and then the absolute directory it stands for; empty lines and lines
 * starting with {@code #} are skipped. {@code CWD <alias>} goes to the directory when no directory of that name
 * exists. The directories are paths on the machine; an account is offered only those inside its root, as the
 * virtual paths they are there, so an alias never leads out of the root (the storage confines the CWD as any other).
 */
public final class DirectoryAliases {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryAliases.class);

    private DirectoryAliases() {
    }

    /**
     * The aliases of {@code file} whose directories lie inside {@code root} (the account's root on this machine),
     * in the file's order, each mapped to its virtual path; empty when the storage has no local root.
     *
     * @throws IOException when the file cannot be read
     */
    public static Map<String, String> read(Path file, Path root) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> aliases = new LinkedHashMap<>();
        String alias = null;
        int aliasLine = 0;
        for (int number = 1; number <= lines.size(); number++) {
            String line = lines.get(number - 1);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (alias == null) {
                alias = line;
                aliasLine = number;
                continue;
            }
            String virtualPath = root == null ? null : virtualPath(line, root);
            if (!line.startsWith("/")) {
                LOG.warn("Directory aliases {}:{}: the directory of alias '{}' (line {}) must be an absolute path; "
                        + "alias skipped", file, number, alias, aliasLine);
            } else if (virtualPath != null) {
                aliases.putIfAbsent(alias, virtualPath); // the first of a repeated name wins, as in Pure-FTPd
            }
            alias = null;
        }
        if (alias != null) {
            LOG.warn("Directory aliases {}:{}: alias '{}' has no directory line; skipped", file, aliasLine, alias);
        }
        return Collections.unmodifiableMap(aliases);
    }

    /** {@code directory} as a virtual path below {@code root}, or {@code null} when it lies outside. */
    static String virtualPath(String directory, Path root) {
        try {
            Path target = Path.of(directory).normalize();
            Path base = root.normalize();
            if (!target.startsWith(base)) {
                return null;
            }
            StringBuilder virtual = new StringBuilder();
            for (Path part : base.relativize(target)) {
                if (!part.toString().isEmpty()) {
                    virtual.append('/').append(part);
                }
            }
            return virtual.isEmpty() ? "/" : virtual.toString();
        } catch (InvalidPathException unusable) {
            return null;
        }
    }
}
