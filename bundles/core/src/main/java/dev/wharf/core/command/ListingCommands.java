package dev.wharf.core.command;

import dev.wharf.core.data.DataConnection;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.FileNames;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.core.fs.ListingFormatter;
import dev.wharf.core.fs.PathRefusedException;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.session.Transfer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
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
    /** Entries formatted and sent together: enough to share among the listing workers. */
    private static final int SEND_ENTRIES = 1024;
    private static final int MAX_STARS = 3;

    /**
     * One entry to show: its virtual path, the name it is shown under, and its attributes (a symbolic link not
     * followed), read with the listing; ordered by name, as ls sorts.
     */
    private record Entry(String path, String name, FileInfo info) implements Comparable<Entry> {

        @Override
        public int compareTo(Entry other) {
            return name.compareTo(other.name);
        }

        Entry shownAs(String prefix) {
            return prefix.isEmpty() ? this : new Entry(path, prefix + name, info);
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
        Storage storage = files.storage();
        String virtualPath;
        FileInfo directory;
        try {
            virtualPath = files.virtualPath(argument.isBlank() ? "." : argument);
            directory = storage.stat(virtualPath);
            if (!directory.isDirectory()) {
                session.control().reply(501, "Not a directory: " + Replies.printable(argument));
                return;
            }
        } catch (IOException failure) {
            session.control().reply(550, "Can't list " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        boolean directoryWritable = storage.permits(directory, 2);
        Set<String> facts = session.machineFacts();
        boolean showHidden = FilePolicy.mayListDotFiles(session);
        DirectoryListing listing;
        try {
            listing = storage.list(virtualPath); // an unreadable directory fails here (the local storage), before 150
        } catch (IOException failure) {
            session.control().reply(550, "Can't list " + Replies.printable(argument) + ": " + Replies.reason(failure));
            return;
        }
        try (listing) {
            java.util.Iterator<DirectoryEntry> entries = listing.iterator();
            try {
                entries.hasNext(); // a storage that lists lazily (S3) fails here too, still before 150
            } catch (UncheckedIOException unreadable) {
                session.control().reply(550, "Can't list " + Replies.printable(argument) + ": "
                        + Replies.reason(unreadable.getCause()));
                return;
            }
            // MLSD is in no order, so lines go out as the entries are read: the client parses the first while the
            // rest are stat'ed and formatted
            send(session, (out, transfer) -> {
                byte[] buffer = new byte[SEND_CHUNK];
                List<Entry> chunk = new ArrayList<>(SEND_ENTRIES);
                int sent = 0;
                while (sent < MAX_ENTRIES && entries.hasNext()) {
                    Entry entry = visible(virtualPath, entries.next(), showHidden);
                    if (entry != null) {
                        chunk.add(entry);
                    }
                    if (!chunk.isEmpty() && (chunk.size() >= Math.min(SEND_ENTRIES, MAX_ENTRIES - sent)
                            || !entries.hasNext())) {
                        List<String> lines = session.runtime().listingWorkers().format(chunk,
                                shown -> ListingFormatter.machineFacts(followed(storage, shown), null, facts, storage,
                                        directoryWritable) + " " + shown.name());
                        writeLines(out, lines, transfer, buffer);
                        sent += lines.size();
                        chunk.clear();
                    }
                }
                return sent;
            }, sent -> sent + " matches total");
        }
    }

    static void mlst(FtpSession session, String argument) throws IOException {
        ConfinedFileSystem files = session.files();
        try {
            String virtualPath = files.virtualPath(argument.isBlank() ? "." : argument);
            Storage storage = files.storage();
            FileInfo info = storage.stat(virtualPath);
            boolean parentWritable = !virtualPath.equals("/")
                    && storage.permits(storage.stat(ConfinedFileSystem.parentOf(virtualPath)), 2);
            String facts = ListingFormatter.machineFacts(info, null, session.machineFacts(), storage,
                    parentWritable);
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
        List<String> lines = null;
        Sorted sorted;
        try {
            sorted = sortedDirectory(session, request, namesOnly);
            if (sorted == null) {
                lines = listing(session, request, namesOnly);
            }
        } catch (TooComplexPatternException tooComplex) {
            session.control().reply(550, "Sorry, too many wildcards: at most " + MAX_STARS + " '*'");
            return;
        } catch (IOException failure) {
            session.control().reply(550, "Can't list " + Replies.printable(request.path()) + ": "
                    + Replies.reason(failure));
            return;
        }
        if (sorted != null) {
            sendSorted(session, sorted); // outside the try: a failure after 150 must not also get 550
            return;
        }
        boolean truncated = lines.size() > MAX_ENTRIES;
        if (truncated) {
            lines = lines.subList(0, MAX_ENTRIES);
        }
        send(session, lines, truncated ? "Output truncated to " + MAX_ENTRIES + " matches"
                : lines.size() + " matches total");
    }

    /** What a listing writes over its data connection; returns how many lines it sent. */
    @FunctionalInterface
    private interface Body {
        int write(OutputStream out, Transfer transfer) throws IOException;
    }

    /** Sends lines over a data connection and ends with {@code 226 trailer}. */
    private static void send(FtpSession session, List<String> lines, String trailer) throws IOException {
        send(session, (out, transfer) -> {
            writeLines(out, lines, transfer);
            return lines.size();
        }, sent -> trailer);
    }

    /**
     * Opens the data connection (150), writes {@code body} and ends with {@code 226} and the trailer for the lines
     * sent; {@code 451} when the directory cannot be read on, {@code 426} when the data connection breaks.
     */
    private static void send(FtpSession session, Body body, java.util.function.IntFunction<String> trailer)
            throws IOException {
        DataConnection connection = DataConnections.open(session);
        if (connection == null) {
            return;
        }
        Transfer transfer = session.beginTransfer(Transfer.Kind.LISTING, "Listing", null, connection.channel(), 0, -1,
                Long.MAX_VALUE);
        int sent;
        try (connection; OutputStream out = connection.output()) {
            sent = body.write(out, transfer);
        } catch (UncheckedIOException unreadable) {
            session.control().reply(451, "Error reading the directory: " + Replies.reason(unreadable.getCause()));
            return;
        } catch (IOException broken) {
            session.control().reply(426, transfer.aborted() ? "Transfer aborted" : "Data connection closed");
            return;
        } finally {
            session.endTransfer(transfer);
        }
        session.control().reply(226, trailer.apply(sent));
    }

    /** Lines with CRLF, UTF-8, in chunks of {@link #SEND_CHUNK} bytes; ASCII is copied without an encoder. */
    private static void writeLines(OutputStream out, List<String> lines, Transfer transfer) throws IOException {
        writeLines(out, lines, transfer, new byte[SEND_CHUNK]);
    }

    /** As above through {@code chunk}, a buffer of {@link #SEND_CHUNK} bytes. */
    private static void writeLines(OutputStream out, List<String> lines, Transfer transfer, byte[] chunk)
            throws IOException {
        int used = 0;
        for (String line : lines) {
            int length = line.length();
            if (used + length * 3 + 2 > chunk.length) {
                out.write(chunk, 0, used);
                transfer.moved(used);
                used = 0;
                if (length * 3 + 2 > chunk.length) {
                    byte[] encoded = FileNames.encode(line + "\r\n");
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
                byte[] encoded = FileNames.encode(line);
                System.arraycopy(encoded, 0, chunk, start, encoded.length);
                used = start + encoded.length;
            }
            chunk[used++] = '\r';
            chunk[used++] = '\n';
        }
        out.write(chunk, 0, used);
        transfer.moved(used);
    }

    /** One directory's entries, read and sorted, with how each becomes its line. */
    private record Sorted(List<Entry> entries, ListingWorkers.LineFormat<Entry> format) {
    }

    /**
     * The entries of a plain listing of one directory (no glob, {@code -R}, {@code -C} or {@code -d}), read and
     * sorted, so that their lines can be formatted and sent a part at a time; {@code null} for other listings.
     */
    private static Sorted sortedDirectory(FtpSession session, Request request, boolean namesOnly) throws IOException {
        Options options = request.options();
        String argument = request.path();
        if (options.recursive() || options.directoryItself() || options.columns() && !options.longFormat()
                || isGlob(argument.substring(argument.lastIndexOf('/') + 1))) {
            return null;
        }
        ConfinedFileSystem files = session.files();
        Storage storage = files.storage();
        String virtualPath = files.virtualPath(argument.isEmpty() ? "." : argument);
        FileInfo target = storage.stat(virtualPath);
        if (!target.isDirectory()) {
            return null;
        }
        String prefix = namesOnly && !argument.isEmpty() ? (argument.endsWith("/") ? argument : argument + "/") : "";
        ListingFormatter formatter = new ListingFormatter(session.clock().getZone(), session.clock().instant());
        return new Sorted(shownEntries(storage, virtualPath, target, options, FilePolicy.mayListDotFiles(session)),
                entry -> format(formatter, storage, entry.shownAs(prefix), options));
    }

    /** Sends a sorted directory's lines as they are formatted: the client reads the first while the rest are. */
    private static void sendSorted(FtpSession session, Sorted sorted) throws IOException {
        List<Entry> entries = sorted.entries();
        int count = Math.min(entries.size(), MAX_ENTRIES);
        send(session, (out, transfer) -> {
            byte[] buffer = new byte[SEND_CHUNK];
            int sent = 0;
            for (int from = 0; from < count; from += SEND_ENTRIES) {
                List<String> lines = session.runtime().listingWorkers().format(
                        entries.subList(from, Math.min(count, from + SEND_ENTRIES)), sorted.format());
                writeLines(out, lines, transfer, buffer);
                sent += lines.size();
            }
            return sent;
        }, sent -> entries.size() > MAX_ENTRIES ? "Output truncated to " + MAX_ENTRIES + " matches"
                : sent + " matches total");
    }

    /** The lines of a listing, without terminators. */
    private static List<String> listing(FtpSession session, Request request, boolean namesOnly) throws IOException {
        ConfinedFileSystem files = session.files();
        Storage storage = files.storage();
        Options options = request.options();
        String argument = request.path();
        ListingFormatter formatter = new ListingFormatter(session.clock().getZone(), session.clock().instant());
        List<String> lines = new ArrayList<>();
        int slash = argument.lastIndexOf('/');
        String lastSegment = argument.substring(slash + 1);
        if (isGlob(lastSegment)) {
            String prefix = slash < 0 ? "" : argument.substring(0, slash + 1);
            String directory = files.virtualPath(prefix.isEmpty() ? "." : prefix);
            List<Entry> matches = sorted(glob(storage, directory, lastSegment, options.all(),
                    FilePolicy.mayListDotFiles(session)), options);
            for (Entry match : matches) {
                String shown = namesOnly ? prefix + match.name() : match.name();
                lines.add(format(formatter, storage, new Entry(match.path(), shown, match.info()), options));
            }
            return lines;
        }
        String virtualPath = files.virtualPath(argument.isEmpty() ? "." : argument);
        FileInfo target = storage.stat(virtualPath);
        if (!target.isDirectory() || options.directoryItself()) {
            String name = argument.isEmpty() ? "." : argument;
            // the entry itself: a final symbolic link is shown as the link
            FileInfo entry = virtualPath.equals("/") ? target : storage.lstatIfExists(virtualPath);
            lines.add(format(formatter, storage, new Entry(virtualPath, name, entry != null ? entry : target),
                    options));
            return lines;
        }
        String prefix = namesOnly && !argument.isEmpty() ? (argument.endsWith("/") ? argument : argument + "/") : "";
        addDirectory(session.runtime().listingWorkers(), lines, formatter, virtualPath, target, prefix, options, 0,
                storage, FilePolicy.mayListDotFiles(session));
        return lines;
    }

    private static void addDirectory(ListingWorkers workers, List<String> lines, ListingFormatter formatter,
                                     String directory, FileInfo directoryInfo, String prefix, Options options,
                                     int depth, Storage storage, boolean dotFilesAllowed) throws IOException {
        List<Entry> entries = shownEntries(storage, directory, directoryInfo, options, dotFilesAllowed);
        if (options.columns() && !options.longFormat()) {
            lines.addAll(columns(entries.stream().map(entry -> decorated(entry, options, storage)).toList()));
        } else {
            int room = MAX_ENTRIES + 1 - lines.size();
            if (room <= 0) {
                return;
            }
            lines.addAll(workers.format(entries.subList(0, Math.min(entries.size(), room)),
                    entry -> format(formatter, storage, entry.shownAs(prefix), options)));
        }
        if (options.recursive() && depth < MAX_DEPTH) {
            for (Entry entry : entries) {
                if (entry.name().equals(".") || entry.name().equals("..")
                        || !entry.info().isDirectory() || lines.size() > MAX_ENTRIES) {
                    continue;
                }
                lines.add("");
                lines.add(entry.path() + ":");
                addDirectory(workers, lines, formatter, entry.path(), entry.info(),
                        prefix.isEmpty() ? "" : prefix + entry.name() + "/", options, depth + 1, storage,
                        dotFilesAllowed);
            }
        }
    }

    /** A directory's entries as ls shows them: sorted, with {@code .} and {@code ..} first for {@code -a -l}. */
    private static List<Entry> shownEntries(Storage storage, String directory, FileInfo directoryInfo,
                                            Options options, boolean dotFilesAllowed) throws IOException {
        List<Entry> entries = sorted(directoryEntries(storage, directory, options.all() && dotFilesAllowed),
                options);
        if (options.all() && options.longFormat()) {
            String parent = ConfinedFileSystem.parentOf(directory);
            entries.add(0, new Entry(parent, "..", directory.equals("/") ? directoryInfo : storage.stat(parent)));
            entries.add(0, new Entry(directory, ".", directoryInfo));
        }
        return entries;
    }

    /** One line. */
    private static String format(ListingFormatter formatter, Storage storage, Entry entry, Options options) {
        if (!options.longFormat()) {
            return decorated(entry, options, storage);
        }
        String target = null;
        if (entry.info().isSymbolicLink() && storage.can(StorageCapability.SYMLINKS)) {
            try {
                target = storage.readLink(entry.path());
            } catch (IOException unreadable) {
                // show the link without its target
            }
        }
        String line = formatter.longFormat(entry.info(), entry.name(), target);
        if (options.classify()) {
            String suffix = classifier(entry, storage);
            int arrow = line.indexOf(" -> ");
            line = arrow < 0 ? line + suffix : line.substring(0, arrow) + suffix + line.substring(arrow);
        }
        return line;
    }

    private static String decorated(Entry entry, Options options, Storage storage) {
        return options.classify() ? entry.name() + classifier(entry, storage) : entry.name();
    }

    /** ls -F: {@code /} directories, {@code @} links, {@code *} executables. */
    private static String classifier(Entry entry, Storage storage) {
        FileInfo info = entry.info();
        if (info.isSymbolicLink()) {
            return "@";
        }
        if (info.isDirectory()) {
            return "/";
        }
        return storage.permits(info, 1) ? "*" : "";
    }

    /** MLSx shows what a symbolic link points to; a dangling one as itself. */
    private static FileInfo followed(Storage storage, Entry entry) {
        if (!entry.info().isSymbolicLink()) {
            return entry.info();
        }
        try {
            return storage.stat(entry.path());
        } catch (IOException danglingOrOutside) {
            return entry.info();
        }
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
     * {@code entry} of {@code directory} as shown to the session, or {@code null} for names it does not see: hidden
     * ones (unless allowed), unprintable ones, and kept partial uploads, which are the server's (upload.mode =
     * atomic-resume).
     */
    private static Entry visible(String directory, DirectoryEntry entry, boolean showHidden) {
        String name = entry.name();
        if ((showHidden || !name.startsWith(".")) && !hasControlCharacter(name)
                && !ConfinedFileSystem.isPartialName(name)) {
            return new Entry(ConfinedFileSystem.child(directory, name), name, entry.info());
        }
        return null;
    }

    /** The entries of a directory shown to the session (hidden, unprintable and partial-upload names left out), at most one over the cap. */
    private static List<Entry> directoryEntries(Storage storage, String directory, boolean showHidden)
            throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryListing listing = storage.list(directory)) {
            for (DirectoryEntry entry : listing) {
                Entry shown = visible(directory, entry, showHidden);
                if (shown != null) {
                    entries.add(shown);
                    if (entries.size() > MAX_ENTRIES) {
                        break;
                    }
                }
            }
        } catch (UncheckedIOException unreadable) {
            throw unreadable.getCause();
        }
        return entries;
    }

    private static List<Entry> glob(Storage storage, String directory, String pattern, boolean showHidden,
                                    boolean dotFilesAllowed) throws IOException {
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
        for (Entry entry : directoryEntries(storage, directory,
                dotFilesAllowed && (showHidden || pattern.startsWith(".")))) {
            try {
                if (matcher.matches(Path.of(entry.name()))) {
                    matches.add(entry);
                }
            } catch (java.nio.file.InvalidPathException notInTheLocale) {
                // a name the JVM's locale cannot spell is matched by no pattern
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
        return time ? entry.info().modified().toEpochMilli() : entry.info().size();
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
