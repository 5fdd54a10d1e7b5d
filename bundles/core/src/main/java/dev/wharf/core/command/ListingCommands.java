package dev.wharf.core.command;

import dev.wharf.core.data.DataConnection;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.fs.ListingFormatter;
import dev.wharf.core.fs.PathRefusedException;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.session.Transfer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * LIST, NLST, MLSD, MLST and STAT with a path. LIST understands the ls options Pure-FTPd does
 * ({@code -a -l -1 -C -F -R -d -r -t -S}) and globbing ({@code * ? [..]}) in the last path segment.
 */
final class ListingCommands {

    /** Caps like Pure-FTPd's defaults: a listing never grows without bound. */
    static final int MAX_ENTRIES = 10_000;
    static final int MAX_DEPTH = 5;
    private static final int SEND_CHUNK = 64 * 1024;
    private static final int MAX_STARS = 3;

    /**
     * One entry to show: where it is, the name it is shown under, and whether it was read from the listed
     * directory (so that its stat may be made relative to that directory); ordered by name, as ls sorts.
     */
    private record Entry(Path path, String name, boolean child) implements Comparable<Entry> {

        Entry(Path path, String name) {
            this(path, name, false);
        }

        @Override
        public int compareTo(Entry other) {
            return name.compareTo(other.name);
        }

        Entry shownAs(String prefix) {
            return prefix.isEmpty() ? this : new Entry(path, prefix + name, child);
        }
    }

    /** Parsed ls options. */
    private record Options(boolean all, boolean longFormat, boolean columns, boolean classify, boolean recursive,
                           boolean directoryItself, boolean reverse, boolean byTime, boolean bySize) {

        static Options parse(String letters, boolean longByDefault) {
            boolean single = letters.indexOf('1') >= 0;
            boolean columns = letters.indexOf('C') >= 0;
            return new Options(letters.indexOf('a') >= 0 || letters.indexOf('A') >= 0,
                    letters.indexOf('l') >= 0 || longByDefault && !single && !columns, columns && !single,
                    letters.indexOf('F') >= 0, letters.indexOf('R') >= 0, letters.indexOf('d') >= 0,
                    letters.indexOf('r') >= 0, letters.indexOf('t') >= 0, letters.indexOf('S') >= 0);
        }
    }

    /** A client argument split into ls options and the path. */
    private record Request(Options options, String path) {

        static Request parse(String argument, boolean longByDefault) {
            String rest = argument.trim();
            StringBuilder letters = new StringBuilder();
            while (rest.startsWith("-")) {
                int end = rest.indexOf(' ');
                letters.append(end < 0 ? rest.substring(1) : rest.substring(1, end));
                rest = end < 0 ? "" : rest.substring(end + 1).trim();
            }
            return new Request(Options.parse(letters.toString(), longByDefault), rest);
        }
    }

    /** Thrown when a glob has more wildcards than allowed. */
    private static final class TooComplexPatternException extends IOException {
        private static final long serialVersionUID = 1L;

        TooComplexPatternException() {
            super("Too many wildcards");
        }
    }

    private ListingCommands() {
    }

    static void list(FtpSession session, String argument) throws IOException {
        sendOverData(session, Request.parse(argument, true), false);
    }

    static void nlst(FtpSession session, String argument) throws IOException {
        sendOverData(session, Request.parse(argument, false), true);
    }

    static void mlsd(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        String virtualPath;
        Path directory;
        try {
            virtualPath = files.virtualPath(argument.isBlank() ? "." : argument);
            directory = files.resolveExisting(virtualPath, true);
            if (!Files.isDirectory(directory)) {
                session.control().reply(501, "Not a directory: " + Replies.printable(argument));
                return;
            }
        } catch (IOException failure) {
            session.control().reply(550, "Can't list " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        boolean directoryWritable = Files.isWritable(directory);
        Set<String> facts = session.machineFacts();
        List<String> lines;
        try (DirectoryEntries read = directoryEntries(directory, FilePolicy.mayListDotFiles(session))) {
            List<Entry> entries = read.entries();
            lines = ListingWorkers.format(entries.subList(0, Math.min(entries.size(), MAX_ENTRIES)),
                    entry -> ListingFormatter.machineFacts(read.secure(), entry.path(), null, facts,
                            directoryWritable) + " " + entry.name());
        }
        send(session, lines, lines.size() + " matches total");
    }

    static void mlst(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        try {
            String virtualPath = files.virtualPath(argument.isBlank() ? "." : argument);
            Path path = files.resolveExisting(virtualPath, true);
            String facts = ListingFormatter.machineFacts(path, null, session.machineFacts());
            session.control().replyBlock(250, "Listing " + Replies.printable(virtualPath),
                    List.of(" " + facts + " " + Replies.printable(virtualPath)), "End.");
        } catch (IOException failure) {
            session.control().reply(550, "Can't check for file existence");
        }
    }

    /** STAT with a path: a LIST sent over the control connection. */
    static void statPath(FtpSession session, String argument) throws IOException {
        Request request = Request.parse(argument, true);
        List<String> lines;
        try {
            lines = listing(session, request, false);
        } catch (IOException failure) {
            session.control().reply(550, "Can't list " + Replies.printable(request.path()) + ": "
                    + Replies.reason(failure));
            return;
        }
        session.control().replyBlock(213, "Status of " + Replies.printable(argument.trim()) + ":",
                lines.stream().map(line -> " " + line).toList(), "End of status");
    }

    private static void sendOverData(FtpSession session, Request request, boolean namesOnly) throws IOException {
        List<String> lines;
        try {
            lines = listing(session, request, namesOnly);
        } catch (TooComplexPatternException tooComplex) {
            session.control().reply(550, "Sorry, too many wildcards: at most " + MAX_STARS + " '*'");
            return;
        } catch (IOException failure) {
            session.control().reply(550, "Can't list " + Replies.printable(request.path()) + ": "
                    + Replies.reason(failure));
            return;
        }
        boolean truncated = lines.size() > MAX_ENTRIES;
        if (truncated) {
            lines = lines.subList(0, MAX_ENTRIES);
        }
        send(session, lines, truncated ? "Output truncated to " + MAX_ENTRIES + " matches"
                : lines.size() + " matches total");
    }

    /** Sends lines over a data connection and ends with {@code 226 trailer}. */
    private static void send(FtpSession session, List<String> lines, String trailer) throws IOException {
        DataConnection connection = DataConnections.open(session);
        if (connection == null) {
            return;
        }
        Transfer transfer = session.beginTransfer(Transfer.Kind.LISTING, "Listing", null, connection.channel(), 0, -1,
                Long.MAX_VALUE);
        try (connection; OutputStream out = connection.output()) {
            writeLines(out, lines, transfer);
        } catch (IOException broken) {
            session.control().reply(426, transfer.aborted() ? "Transfer aborted" : "Data connection closed");
            return;
        } finally {
            session.endTransfer(transfer);
        }
        session.control().reply(226, trailer);
    }

    /** Lines with CRLF, UTF-8, in chunks of {@link #SEND_CHUNK} bytes; ASCII is copied without an encoder. */
    private static void writeLines(OutputStream out, List<String> lines, Transfer transfer) throws IOException {
        byte[] chunk = new byte[SEND_CHUNK];
        int used = 0;
        for (String line : lines) {
            int length = line.length();
            if (used + length * 3 + 2 > chunk.length) {
                out.write(chunk, 0, used);
                transfer.moved(used);
                used = 0;
                if (length * 3 + 2 > chunk.length) {
                    byte[] encoded = (line + "\r\n").getBytes(StandardCharsets.UTF_8);
                    out.write(encoded);
                    transfer.moved(encoded.length);
                    continue;
                }
            }
            int start = used;
            boolean ascii = true;
            for (int i = 0; i < length; i++) {
                char c = line.charAt(i);
                if (c >= 0x80) {
                    ascii = false;
                    break;
                }
                chunk[used++] = (byte) c;
            }
            if (!ascii) {
                byte[] encoded = line.getBytes(StandardCharsets.UTF_8);
                System.arraycopy(encoded, 0, chunk, start, encoded.length);
                used = start + encoded.length;
            }
            chunk[used++] = '\r';
            chunk[used++] = '\n';
        }
        out.write(chunk, 0, used);
        transfer.moved(used);
    }

    /** The lines of a listing, without terminators. */
    private static List<String> listing(FtpSession session, Request request, boolean namesOnly) throws IOException {
        ConfinedFileSystem files = session.files();
        Options options = request.options();
        String argument = request.path();
        ListingFormatter formatter = new ListingFormatter(session.clock().getZone(), session.clock().instant());
        List<String> lines = new ArrayList<>();
        int slash = argument.lastIndexOf('/');
        String lastSegment = argument.substring(slash + 1);
        if (isGlob(lastSegment)) {
            String prefix = slash < 0 ? "" : argument.substring(0, slash + 1);
            Path directory = files.resolveExisting(files.virtualPath(prefix.isEmpty() ? "." : prefix), true);
            List<Entry> matches = sorted(glob(directory, lastSegment, options.all(), FilePolicy.mayListDotFiles(session)),
                    options);
            for (Entry match : matches) {
                String shown = namesOnly ? prefix + match.name() : match.name();
                lines.add(format(formatter, null, new Entry(match.path(), shown), options));
            }
            return lines;
        }
        String virtualPath = files.virtualPath(argument.isEmpty() ? "." : argument);
        Path target = files.resolveExisting(virtualPath, true);
        if (!Files.isDirectory(target) || options.directoryItself()) {
            String name = argument.isEmpty() ? "." : argument;
            lines.add(format(formatter, null, new Entry(target, name), options));
            return lines;
        }
        String prefix = namesOnly && !argument.isEmpty() ? (argument.endsWith("/") ? argument : argument + "/") : "";
        addDirectory(lines, formatter, target, prefix, options, 0, files, FilePolicy.mayListDotFiles(session));
        return lines;
    }

    private static void addDirectory(List<String> lines, ListingFormatter formatter, Path directory, String prefix,
                                     Options options, int depth, ConfinedFileSystem files, boolean dotFilesAllowed)
            throws IOException {
        List<Entry> entries;
        try (DirectoryEntries read = directoryEntries(directory, options.all() && dotFilesAllowed)) {
            entries = sorted(read.entries(), options);
            if (options.all() && options.longFormat()) {
                entries.add(0, new Entry(directory.getParent() == null || directory.equals(files.root())
                        ? directory : directory.getParent(), ".."));
                entries.add(0, new Entry(directory, "."));
            }
            if (options.columns() && !options.longFormat()) {
                lines.addAll(columns(entries.stream().map(entry -> decorated(entry, options)).toList()));
            } else {
                int room = MAX_ENTRIES + 1 - lines.size();
                if (room <= 0) {
                    return;
                }
                lines.addAll(ListingWorkers.format(entries.subList(0, Math.min(entries.size(), room)),
                        entry -> format(formatter, read.secure(), entry.shownAs(prefix), options)));
            }
        }
        if (options.recursive() && depth < MAX_DEPTH) {
            for (Entry entry : entries) {
                if (entry.name().equals(".") || entry.name().equals("..")
                        || !Files.isDirectory(entry.path(), LinkOption.NOFOLLOW_LINKS) || lines.size() > MAX_ENTRIES) {
                    continue;
                }
                lines.add("");
                lines.add(files.virtualPathOf(entry.path()) + ":");
                addDirectory(lines, formatter, entry.path(), prefix.isEmpty() ? "" : prefix + entry.name() + "/",
                        options, depth + 1, files, dotFilesAllowed);
            }
        }
    }

    /** One line; {@code directory} is an open stream of the listed directory, or null. */
    private static String format(ListingFormatter formatter, SecureDirectoryStream<Path> directory, Entry entry,
                                 Options options) throws IOException {
        if (!options.longFormat()) {
            return decorated(entry, options);
        }
        String line = formatter.longFormat(entry.child() ? directory : null, entry.path(), entry.name());
        if (options.classify()) {
            String suffix = classifier(entry.path());
            int arrow = line.indexOf(" -> ");
            line = arrow < 0 ? line + suffix : line.substring(0, arrow) + suffix + line.substring(arrow);
        }
        return line;
    }

    private static String decorated(Entry entry, Options options) {
        return options.classify() ? entry.name() + classifier(entry.path()) : entry.name();
    }

    /** ls -F: {@code /} directories, {@code @} links, {@code *} executables. */
    private static String classifier(Path path) {
        if (Files.isSymbolicLink(path)) {
            return "@";
        }
        if (Files.isDirectory(path)) {
            return "/";
        }
        return Files.isExecutable(path) ? "*" : "";
    }

    /** ls -C: names in columns that fit 80 characters, filled down first. */
    private static List<String> columns(List<String> names) {
        if (names.isEmpty()) {
            return List.of();
        }
        int width = names.stream().mapToInt(String::length).max().orElse(0) + 2;
        int perRow = Math.max(1, 80 / width);
        int rows = (names.size() + perRow - 1) / perRow;
        List<String> lines = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            StringBuilder line = new StringBuilder();
            for (int column = 0; column < perRow; column++) {
                int index = column * rows + row;
                if (index < names.size()) {
                    line.append(String.format(Locale.ROOT, "%-" + width + "s", names.get(index)));
                }
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    /**
     * The entries of a directory, with its stream still open: where the platform has secure directory streams
     * (Linux), each entry's stat is then made relative to it.
     */
    private record DirectoryEntries(DirectoryStream<Path> stream, List<Entry> entries) implements AutoCloseable {

        SecureDirectoryStream<Path> secure() {
            return stream instanceof SecureDirectoryStream<Path> secure ? secure : null;
        }

        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    private static DirectoryEntries directoryEntries(Path directory, boolean showHidden) throws IOException {
        List<Entry> entries = new ArrayList<>();
        DirectoryStream<Path> stream = Files.newDirectoryStream(directory);
        try {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                if ((showHidden || !name.startsWith(".")) && !hasControlCharacter(name)) {
                    entries.add(new Entry(path, name, true));
                    if (entries.size() > MAX_ENTRIES) {
                        break;
                    }
                }
            }
        } catch (RuntimeException failed) { // DirectoryIteratorException: an entry could not be read
            stream.close();
            throw failed;
        }
        return new DirectoryEntries(stream, entries);
    }

    private static List<Entry> glob(Path directory, String pattern, boolean showHidden, boolean dotFilesAllowed)
            throws IOException {
        if (pattern.chars().filter(c -> c == '*').count() > MAX_STARS) {
            throw new TooComplexPatternException();
        }
        // braces are not part of ls globbing; escape them so Java's glob syntax takes them literally
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:"
                    + pattern.replace("{", "\\{").replace("}", "\\}"));
        } catch (java.util.regex.PatternSyntaxException malformed) { // "[" without "]" and the like
            throw new PathRefusedException("Malformed wildcard pattern");
        }
        List<Entry> matches = new ArrayList<>();
        try (DirectoryEntries read = directoryEntries(directory,
                dotFilesAllowed && (showHidden || pattern.startsWith(".")))) {
            for (Entry entry : read.entries()) {
                if (matcher.matches(Path.of(entry.name()))) {
                    matches.add(entry);
                }
            }
        }
        return matches;
    }

    private static List<Entry> sorted(List<Entry> entries, Options options) {
        List<Entry> result = new ArrayList<>(entries);
        if (!options.byTime() && !options.bySize()) {
            // the natural order: no comparator indirection in the sort of a 10,000-entry directory
            result.sort(options.reverse() ? Comparator.reverseOrder() : null);
            return result;
        }
        // one stat per entry, not one per comparison
        Map<Entry, Long> keys = new HashMap<>();
        entries.forEach(entry -> keys.put(entry, attribute(entry, options.byTime())));
        Comparator<Entry> order = Comparator.comparing((Entry entry) -> keys.get(entry)).reversed()
                .thenComparing(Comparator.naturalOrder());
        result.sort(options.reverse() ? order.reversed() : order);
        return result;
    }

    private static long attribute(Entry entry, boolean time) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(entry.path(), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return time ? attributes.lastModifiedTime().toMillis() : attributes.size();
        } catch (IOException vanished) {
            return 0;
        }
    }

    private static boolean isGlob(String segment) {
        return segment.indexOf('*') >= 0 || segment.indexOf('?') >= 0 || segment.indexOf('[') >= 0;
    }

    private static boolean hasControlCharacter(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return true;
            }
        }
        return false;
    }
}
