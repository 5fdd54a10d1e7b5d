package dev.wharf.launcher.migrate;

import dev.wharf.launcher.migrate.EtcWriter.FeaturesOutcome;
import dev.wharf.launcher.migrate.EtcWriter.Outcome;
import dev.wharf.launcher.migrate.EtcWriter.Status;
import dev.wharf.launcher.migrate.ImportPlan.Kind;
import dev.wharf.launcher.migrate.ImportPlan.Unmapped;
import dev.wharf.launcher.migrate.PureFtpdConfig.BrokenInputException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code bin/wharf import-conf [--dry-run] [--etc DIR] [--force] PURE-FTPD.CONF|DIR}: turns an existing Pure-FTPd
 * configuration into Wharf's {@code etc/*.cfg} files and {@code features.properties}, and reports what every setting
 * became and what could not be mapped. Exit code 0: everything mapped; 1: something was not mapped or a file was
 * left alone (the rest is written); 2: usage error or an input that cannot be read (nothing is written).
 */
public final class ImportConf {

    static final int MAPPED = 0;
    static final int NOT_ALL_MAPPED = 1;
    static final int FAILED = 2;

    static final String USAGE = String.join("\n",
            "usage: wharf import-conf [--dry-run] [--etc DIR] [--force] /etc/pure-ftpd/pure-ftpd.conf | /etc/pure-ftpd",
            "  Turns a Pure-FTPd configuration (one pure-ftpd.conf, or Debian's /etc/pure-ftpd with conf/ and auth/)",
            "  into Wharf's etc/*.cfg files and etc/features.properties, then reports what each setting became.",
            "  --dry-run  print the files it would write; write nothing",
            "  --etc DIR  the configuration directory to write (default: the server's etc/)",
            "  --force    change existing .cfg files whose values differ (default: report them, leave them alone)",
            "  Exit code: 0 everything mapped, 1 some settings not mapped or files left alone, 2 usage or input error");

    private ImportConf() {
    }

    public static void main(String[] args) {
        String home = System.getProperty("wharf.home");
        Path serverHome = Path.of(home != null ? home : "").toAbsolutePath();
        System.exit(run(args, System.out, System.err, serverHome, Path.of("/etc/passwd")));
    }

    /**
     * @param home         the server directory: its {@code etc/} is the default target and its
     *                     {@code system/features/} tells which features exist
     * @param systemPasswd where Pure-FTPd's anonymous account {@code ftp} is looked up
     */
    static int run(String[] args, PrintStream out, PrintStream err, Path home, Path systemPasswd) {
        boolean dryRun = false;
        boolean force = false;
        Path etc = null;
        Path input = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--dry-run")) {
                dryRun = true;
            } else if (arg.equals("--force")) {
                force = true;
            } else if (arg.equals("--etc")) {
                if (i + 1 == args.length) {
                    err.println("wharf import-conf: --etc needs a directory");
                    err.println(USAGE);
                    return FAILED;
                }
                etc = Path.of(args[++i]);
            } else if (arg.startsWith("--etc=") && arg.length() > 6) {
                etc = Path.of(arg.substring(6));
            } else if (arg.equals("-h") || arg.equals("--help")) {
                out.println(USAGE);
                return MAPPED;
            } else if (arg.startsWith("-") || input != null) {
                err.println("wharf import-conf: " + (arg.startsWith("-") ? "unknown option " + arg
                        : "one configuration only, got " + input + " and " + arg));
                err.println(USAGE);
                return FAILED;
            } else {
                input = Path.of(arg);
            }
        }
        if (input == null) {
            err.println("wharf import-conf: which Pure-FTPd configuration? (a pure-ftpd.conf or /etc/pure-ftpd)");
            err.println(USAGE);
            return FAILED;
        }
        if (etc == null) {
            etc = home.resolve("etc");
        }
        if (!Files.isDirectory(etc)) {
            err.println("wharf import-conf: " + etc + " is not a directory (--etc names the configuration directory)");
            return FAILED;
        }
        PureFtpdConfig config;
        try {
            config = PureFtpdConfig.read(input);
        } catch (BrokenInputException broken) {
            err.println("wharf import-conf: " + broken.getMessage());
            err.println("Nothing was written.");
            return FAILED;
        }
        ImportPlan plan = new ConfMapper(systemPasswd, availableFeatures(home)).map(config);
        List<Outcome> outcomes;
        FeaturesOutcome features;
        try {
            outcomes = EtcWriter.prepare(etc, plan, force);
            features = EtcWriter.prepareFeatures(etc, plan);
            if (!dryRun) {
                EtcWriter.apply(outcomes, features);
            }
        } catch (IOException failure) {
            err.println("wharf import-conf: " + etc + ": " + PureFtpdConfig.reason(failure));
            return FAILED;
        }
        boolean leftAlone = outcomes.stream().anyMatch(outcome -> outcome.status() == Status.CONFLICT);
        report(out, plan, etc, dryRun, outcomes, features);
        return plan.unmapped.isEmpty() && !leftAlone ? MAPPED : NOT_ALL_MAPPED;
    }

    /** The features of this server ({@code system/features/*.json}), or null when it has none (e.g. in tests). */
    private static Set<String> availableFeatures(Path home) {
        Path directory = home.resolve("system/features");
        if (!Files.isDirectory(directory)) {
            return null;
        }
        try (Stream<Path> files = Files.list(directory)) {
            Set<String> names = new TreeSet<>();
            files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".json"))
                    .forEach(name -> names.add(name.substring(0, name.length() - 5)));
            return names;
        } catch (IOException unreadable) {
            return null;
        }
    }

    private static void report(PrintStream out, ImportPlan plan, Path etc, boolean dryRun, List<Outcome> outcomes,
                               FeaturesOutcome features) {
        out.println("Pure-FTPd configuration: " + plan.source);
        out.println("Wharf configuration:     " + etc + (dryRun ? "  (dry run: nothing is written)" : ""));
        out.println();
        out.println("What each setting became:");
        if (plan.lines.isEmpty()) {
            out.println("  (no settings)");
        }
        plan.lines.forEach((setting, result) -> {
            out.println("  " + setting.origin() + "  " + setting.text().replaceAll("\\s+", " "));
            out.println("      -> " + result);
        });
        out.println();
        out.println(dryRun ? "Files it would write:" : "Files:");
        for (Outcome outcome : outcomes) {
            String name = outcome.file().getFileName().toString();
            switch (outcome.status()) {
                case NEW -> out.println("  " + (dryRun ? "would write " : "written     ") + name + " (new)");
                case UNCHANGED -> out.println("  unchanged   " + name + " (it has these values already)");
                case UPDATED -> out.println("  " + (dryRun ? "would update " : "updated     ") + name
                        + " (--force): " + String.join(", ", outcome.differences()));
                case CONFLICT -> out.println("  " + (dryRun ? "would leave " : "NOT WRITTEN ") + name
                        + ": it exists with other values: " + String.join(", ", outcome.differences())
                        + "; --force changes them");
            }
            if (dryRun && outcome.content() != null) {
                outcome.content().lines().forEach(line -> out.println("      " + line));
            }
        }
        String featuresName = features.file().getFileName().toString();
        if (features.content() == null) {
            out.println("  unchanged   " + featuresName + " (features = " + String.join(", ", features.after())
                    + ")");
        } else {
            List<String> changes = new ArrayList<>();
            if (!features.added().isEmpty()) {
                changes.add("added " + String.join(", ", features.added()));
            }
            for (Map.Entry<String, String> removed : features.removed().entrySet()) {
                changes.add("removed " + removed.getKey() + ": " + removed.getValue());
            }
            out.println("  " + (dryRun ? "would " + (features.created() ? "write " : "update ")
                    : features.created() ? "written     " : "updated     ") + featuresName + ": features = "
                    + String.join(", ", features.after()) + (changes.isEmpty() ? "" : " ("
                    + String.join("; ", changes) + ")"));
        }
        if (!plan.notes.isEmpty()) {
            out.println();
            out.println("Notes:");
            plan.notes.forEach(note -> out.println("  - " + note));
        }
        if (!plan.differingDefaults.isEmpty()) {
            out.println();
            out.println("Wharf defaults that differ from Pure-FTPd's, for keys this configuration does not set:");
            plan.differingDefaults.forEach(line -> out.println("  - " + line));
        }
        out.println();
        if (plan.unmapped.isEmpty()) {
            out.println("Every setting was mapped.");
        } else {
            out.println("Not mapped (" + plan.unmapped.size() + "):");
            for (Kind kind : Kind.values()) {
                List<Unmapped> ofKind = plan.unmapped.stream().filter(unmapped -> unmapped.kind() == kind).toList();
                if (!ofKind.isEmpty()) {
                    out.println("  " + kind.heading + ":");
                    ofKind.forEach(unmapped -> out.println("    " + unmapped));
                }
            }
        }
        long leftAlone = outcomes.stream().filter(outcome -> outcome.status() == Status.CONFLICT).count();
        if (leftAlone > 0) {
            out.println(leftAlone + " file(s) left alone because they exist with other values: run again with "
                    + "--force to change them.");
        }
    }
}
