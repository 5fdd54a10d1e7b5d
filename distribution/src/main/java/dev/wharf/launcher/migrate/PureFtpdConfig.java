package dev.wharf.launcher.migrate;

import dev.wharf.launcher.migrate.Setting.Origin;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An existing Pure-FTPd configuration, read the way Pure-FTPd reads it: either one {@code pure-ftpd.conf} (with its
 * {@code Include}s) or Debian's directory layout, one file per option in {@code conf/} and the authentication chain
 * as symlinks in {@code auth/} whose names give the order (what {@code pure-ftpd-wrapper} does).
 *
 * @param source      what was read, for the report
 * @param settings    every setting in the order Pure-FTPd applies them; authentication methods in chain order
 * @param notInEffect settings that were read but that Pure-FTPd does not use, with the reason
 * @param notes       remarks about the reading itself
 * @param directory   where the configuration lives ({@code /etc/pure-ftpd}): Pure-FTPd's virtual hosts, one
 *                    directory per local address, are there
 */
record PureFtpdConfig(String source, List<Setting> settings, Map<Setting, String> notInEffect, List<String> notes,
                      Path directory) {

    /** Pure-FTPd's limit on nested {@code Include}s. */
    static final int MAX_INCLUDE_DEPTH = 16;

    private static final Pattern LINE = Pattern.compile("([A-Za-z][A-Za-z0-9_]*)(?:\\s*[=:]\\s*|\\s+|$)(.*)");
    private static final Pattern DEBIAN_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]+");

    /** An input that cannot be read at all: the import stops (exit code 2) with this message. */
    static final class BrokenInputException extends Exception {
        private static final long serialVersionUID = 1L;

        BrokenInputException(String message) {
            super(message);
        }
    }

    /**
     * Reads {@code path}: a {@code pure-ftpd.conf}, Debian's {@code /etc/pure-ftpd} (holding {@code conf/} and
     * {@code auth/}), or its {@code conf/} directory.
     */
    static PureFtpdConfig read(Path path) throws BrokenInputException {
        if (Files.isDirectory(path)) {
            Path conf = path.resolve("conf");
            if (Files.isDirectory(conf)) {
                return readDebian(conf, path.resolve("auth"));
            }
            if (path.getFileName() != null && path.getFileName().toString().equals("conf")) {
                return readDebian(path, path.resolveSibling("auth"));
            }
            if (Files.isRegularFile(path.resolve("pure-ftpd.conf"))) {
                return readFile(path.resolve("pure-ftpd.conf"));
            }
            throw new BrokenInputException(path + ": neither a pure-ftpd.conf nor a directory with Debian's conf/ "
                    + "and auth/ (e.g. /etc/pure-ftpd)");
        }
        return readFile(path);
    }

    private static PureFtpdConfig readFile(Path file) throws BrokenInputException {
        List<Setting> settings = new ArrayList<>();
        Map<Setting, String> notInEffect = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Path base = file.toAbsolutePath().getParent();
        readConfFile(file, file.getFileName().toString(), base, 0, settings, notInEffect);
        Path debianConf = base.resolve("conf");
        if (Files.isDirectory(debianConf) && Files.isDirectory(base.resolve("auth"))) {
            notes.add("Debian's pure-ftpd-wrapper does not read " + file.getFileName() + ": its settings are the "
                    + "files in " + debianConf + " and the links in " + base.resolve("auth") + " (import " + base
                    + " to take those)");
        }
        return new PureFtpdConfig(file.toString(), settings, notInEffect, notes, base);
    }

    private static void readConfFile(Path file, String shownAs, Path base, int depth, List<Setting> settings,
                                     Map<Setting, String> notInEffect) throws BrokenInputException {
        List<String> lines = textLines(file);
        for (int number = 1; number <= lines.size(); number++) {
            String text = lines.get(number - 1).strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            Setting setting = parse(text, new Origin(shownAs, number));
            settings.add(setting);
            if (!"Include".equals(setting.key())) {
                continue;
            }
            if (setting.value().isEmpty()) {
                continue; // reported as malformed by the mapper
            }
            Path included = file.toAbsolutePath().getParent().resolve(setting.value());
            if (depth + 1 >= MAX_INCLUDE_DEPTH) {
                notInEffect.put(setting, "not read: more than " + MAX_INCLUDE_DEPTH + " nested Includes");
            } else if (!Files.exists(included)) {
                notInEffect.put(setting, "no such file, skipped (as Pure-FTPd does)");
            } else {
                String includedAs = included.startsWith(base) ? base.relativize(included).toString()
                        : included.toString();
                int before = settings.size();
                readConfFile(included, includedAs, base, depth + 1, settings, notInEffect);
                notInEffect.put(setting, "read " + included + " (" + (settings.size() - before) + " settings)");
            }
        }
    }

    /** {@code Key value}, {@code Key=value} or {@code Key: value}; quotes around the value are removed. */
    static Setting parse(String text, Origin origin) {
        Matcher matcher = LINE.matcher(text);
        if (!matcher.matches()) {
            return new Setting(null, text, origin, text);
        }
        return new Setting(PureFtpdKeys.canonical(matcher.group(1)), unquote(matcher.group(2).strip()), origin, text);
    }

    static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                && value.indexOf('"', 1) == value.length() - 1) {
            return value.substring(1, value.length() - 1).strip();
        }
        return value;
    }

    private static PureFtpdConfig readDebian(Path conf, Path auth) throws BrokenInputException {
        List<Setting> settings = new ArrayList<>();
        Map<Setting, String> notInEffect = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        // the authentication chain: auth/'s symlinks sorted by name (50pure before 65unix), each naming a conf file
        Set<Path> linked = new HashSet<>();
        if (Files.isDirectory(auth)) {
            for (Path link : list(auth)) {
                if (!Files.isSymbolicLink(link)) {
                    continue;
                }
                Path target;
                try {
                    target = auth.resolve(Files.readSymbolicLink(link)).normalize();
                } catch (IOException unreadable) {
                    throw new BrokenInputException(link + ": cannot read the link: " + unreadable.getMessage());
                }
                String shownAs = "auth/" + link.getFileName() + " -> " + shown(conf, target);
                if (!Files.isRegularFile(target)) {
                    notes.add(shownAs + ": the link leads to no file, so pure-ftpd-wrapper skips it");
                    continue;
                }
                String name = target.getFileName().toString();
                if (!PureFtpdKeys.AUTH.contains(PureFtpdKeys.canonical(name))) {
                    notes.add(shownAs + ": not an authentication method; pure-ftpd-wrapper refuses to start with it");
                    continue;
                }
                linked.add(target.toAbsolutePath().normalize());
                Setting setting = debianSetting(target, name, shownAs, notes);
                if (setting != null) {
                    settings.add(setting);
                }
            }
        } else {
            notes.add(auth + " does not exist: no authentication methods were configured there");
        }
        for (Path file : list(conf)) {
            String name = file.getFileName().toString();
            if (!DEBIAN_NAME.matcher(name).matches() || Files.isDirectory(file)) {
                continue; // the wrapper skips names like MinUID~ or MinUID.dpkg-old
            }
            if (linked.contains(file.toAbsolutePath().normalize())) {
                continue; // read above, in the chain's order
            }
            Setting setting = debianSetting(file, name, "conf/" + name, notes);
            if (setting == null) {
                continue;
            }
            if (PureFtpdKeys.AUTH.contains(setting.key())) {
                // the wrapper takes authentication methods only from auth/
                notInEffect.put(setting, "not linked from " + auth.getFileName() + "/, so Pure-FTPd does not use it");
            }
            settings.add(setting);
        }
        return new PureFtpdConfig(conf.getParent() + " (Debian layout: conf/ and auth/)", settings, notInEffect,
                notes, conf.toAbsolutePath().getParent());
    }

    /** The first value line of one of Debian's option files, as pure-ftpd-wrapper takes it; null for an empty file. */
    private static Setting debianSetting(Path file, String name, String shownAs, List<String> notes)
            throws BrokenInputException {
        List<String> lines = textLines(file);
        Setting first = null;
        int values = 0;
        for (int number = 1; number <= lines.size(); number++) {
            String text = lines.get(number - 1).strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            values++;
            if (first == null) {
                first = new Setting(PureFtpdKeys.canonical(name), unquote(text), new Origin(shownAs, number),
                        name + " " + text);
            }
        }
        if (first == null) {
            notes.add(shownAs + ": empty, so pure-ftpd-wrapper ignores it");
        } else if (values > 1) {
            notes.add(shownAs + ": only the first line counts (" + first.value() + ")");
        }
        return first;
    }

    private static String shown(Path conf, Path target) {
        Path etc = conf.toAbsolutePath().getParent();
        Path absolute = target.toAbsolutePath();
        return absolute.startsWith(etc) ? etc.relativize(absolute).toString() : absolute.toString();
    }

    private static List<Path> list(Path directory) throws BrokenInputException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().toList();
        } catch (IOException unreadable) {
            throw new BrokenInputException(directory + ": cannot list the directory: " + reason(unreadable));
        }
    }

    /** The file's lines; a file that cannot be read or is not text stops the import, naming the file and line. */
    static List<String> textLines(Path file) throws BrokenInputException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException unreadable) {
            throw new BrokenInputException(file + ": cannot read it: " + reason(unreadable));
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                lines.add(decode(file, lines.size() + 1, bytes, start, end));
                start = i + 1;
            }
        }
        return lines;
    }

    private static String decode(Path file, int line, byte[] bytes, int start, int end) throws BrokenInputException {
        for (int i = start; i < end; i++) {
            if (bytes[i] == 0) {
                throw new BrokenInputException(file + ":" + line + ": a NUL byte: this is not a text file (a .pdb?)");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
        } catch (CharacterCodingException notUtf8) {
            throw new BrokenInputException(file + ":" + line + ": not UTF-8 text");
        }
    }

    static String reason(IOException failure) {
        if (failure instanceof NoSuchFileException) {
            return "no such file";
        }
        if (failure instanceof AccessDeniedException) {
            return "permission denied";
        }
        return failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
    }
}
