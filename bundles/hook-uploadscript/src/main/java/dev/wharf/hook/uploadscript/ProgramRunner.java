package dev.wharf.hook.uploadscript;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the admin's program for one upload as {@code pure-uploadscript} does: {@code program <absolute path>}, no
 * shell, working directory {@code /}, stdin from {@code /dev/null}, and Pure-FTPd's {@code UPLOAD_*} variables.
 *
 * <p>Unlike pure-uploadscript, which passes its own environment on, the program starts from a minimal
 * environment so that nothing the server was started with (database passwords, tokens) leaks into it: {@code PATH}
 * (a fixed system path), {@code HOME} (the server account's home), {@code LANG} (the server's, when set) and the
 * {@code UPLOAD_*} variables. Its output (stdout and stderr) goes to the log, at most {@link #MAX_LOGGED_OUTPUT}
 * bytes per run; a non-zero exit code is logged; after the timeout the program and every process it started are
 * killed (SIGTERM, then SIGKILL {@link #KILL_GRACE_MILLIS} ms later).
 */
final class ProgramRunner {

    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    static final int MAX_LOGGED_OUTPUT = 4096;
    static final long KILL_GRACE_MILLIS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(ProgramRunner.class);

    /** How a run ended. */
    enum Outcome { SUCCEEDED, FAILED, TIMED_OUT, NOT_STARTED, INTERRUPTED }

    private ProgramRunner() {
    }

    /** The environment the program sees, without the file's variables. */
    static Map<String, String> baseEnvironment() {
        Map<String, String> environment = new java.util.LinkedHashMap<>();
        environment.put("PATH", PATH);
        String home = System.getProperty("user.home");
        if (home != null && !home.isEmpty() && !home.equals("?")) {
            environment.put("HOME", home);
        }
        String lang = System.getenv("LANG");
        if (lang != null && !lang.isEmpty()) {
            environment.put("LANG", lang);
        }
        return environment;
    }

    /**
     * Runs the program to its end or its timeout; an interrupt of the calling thread kills it as the timeout does
     * (the interrupt status is kept).
     */
    static Outcome run(Path program, UploadedFile file, int timeoutSeconds) {
        ProcessBuilder builder = new ProcessBuilder(List.of(program.toString(), file.path().toString()))
                .directory(new File("/"))
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        environment.clear();
        environment.putAll(baseEnvironment());
        environment.putAll(file.environment());
        Process process;
        try {
            process = builder.start();
        } catch (IOException cannotStart) {
            LOG.warn("Upload script {} could not be started for {}: {}", program, file.path(), cannotStart.getMessage());
            return Outcome.NOT_STARTED;
        }
        OutputCollector output = new OutputCollector(process.getInputStream());
        Thread reader = Thread.ofPlatform().daemon().name("wharf-uploadscript-output").start(output);
        Outcome outcome;
        boolean interrupted = false;
        try {
            if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                outcome = process.exitValue() == 0 ? Outcome.SUCCEEDED : Outcome.FAILED;
            } else {
                outcome = Outcome.TIMED_OUT;
            }
        } catch (InterruptedException stopping) {
            interrupted = true;
            outcome = Outcome.INTERRUPTED;
        }
        if (outcome == Outcome.TIMED_OUT || outcome == Outcome.INTERRUPTED) {
            kill(process);
        }
        try {
            // the output ends when the last process holding the pipe exits; one that was left running in the
            // background may keep it open, so do not wait for it long
            reader.join(outcome == Outcome.SUCCEEDED || outcome == Outcome.FAILED ? 1_000 : 200);
        } catch (InterruptedException stopping) {
            interrupted = true;
        }
        output.log(program, file.path());
        switch (outcome) {
            case FAILED -> LOG.warn("Upload script {} exited with code {} for {}", program, process.exitValue(),
                    file.path());
            case TIMED_OUT -> LOG.warn("Upload script {} ran longer than {} s for {} and was killed", program,
                    timeoutSeconds, file.path());
            case INTERRUPTED -> LOG.warn("Upload script {} was killed for {}: the upload hook is stopping", program,
                    file.path());
            default -> LOG.debug("Upload script {} done for {}", program, file.path());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return outcome;
    }

    /** SIGTERM to the program and everything it started, SIGKILL to whatever is left after the grace time. */
    private static void kill(Process process) {
        // descendants must be listed before the parent dies: they are reparented and no longer found after
        List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        tree.addFirst(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_GRACE_MILLIS);
        for (ProcessHandle handle : tree) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    handle.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (Exception stillRunning) {
                // killed below
            }
            if (handle.isAlive()) {
                handle.destroyForcibly();
            }
        }
        try {
            process.waitFor(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException again) {
            Thread.currentThread().interrupt();
        }
    }

    /** Keeps the first bytes of the program's output and counts (and discards) the rest. */
    private static final class OutputCollector implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long dropped;

        OutputCollector(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    synchronized (this) {
                        int keep = Math.min(read, MAX_LOGGED_OUTPUT - kept.size());
                        kept.write(buffer, 0, keep);
                        dropped += read - keep;
                    }
                }
            } catch (IOException closed) {
                // the program is gone
            }
        }

        synchronized void log(Path program, Path file) {
            if (kept.size() == 0) {
                return;
            }
            String text = kept.toString(StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (!line.isEmpty()) {
                    LOG.info("Upload script {} for {}: {}", program, file, printable(line));
                }
            }
            if (dropped > 0) {
                LOG.info("Upload script {} for {}: ({} more bytes of output not logged)", program, file, dropped);
            }
        }
    }

    /** No control characters reach the log from a program's output (log forging). */
    static String printable(String line) {
        StringBuilder clean = new StringBuilder(line.length());
        line.codePoints().forEach(c -> clean.appendCodePoint(c < 0x20 && c != '\t' || c == 0x7f ? '?' : c));
        return clean.toString();
    }
}
