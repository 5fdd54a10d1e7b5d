package dev.wharf.hook.uploadscript;

import static dev.wharf.hook.uploadscript.TestSupport.await;
import static dev.wharf.hook.uploadscript.TestSupport.config;
import static dev.wharf.hook.uploadscript.TestSupport.event;
import static dev.wharf.hook.uploadscript.TestSupport.readOrEmpty;
import static dev.wharf.hook.uploadscript.TestSupport.script;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hook running a real shell script per upload, as pure-uploadscript would. */
class ProgramModeTest {

    @TempDir
    Path temp;

    private final UploadScriptHook hook = new UploadScriptHook();

    @AfterEach
    void stop() {
        hook.deactivate();
    }

    static boolean root() throws Exception {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    /** Records $1, the number of arguments, the UPLOAD_* variables, every variable's name and the directory. */
    private Path recordingScript(Path out) throws Exception {
        return script(temp, "on upload.sh", """
                name=$(basename "$1")
                { printf 'ARG=%%s\\n' "$1"; printf 'ARGC=%%s\\n' "$#"; env | grep '^UPLOAD_' | sort; } > "%1$s/$name.env"
                env | cut -d= -f1 | sort > "%1$s/$name.names"
                pwd > "%1$s/.$name.pwd"
                mv "%1$s/.$name.pwd" "%1$s/$name.pwd"
                """.formatted(out)); // the .pwd file appears last and complete: tests wait for it
    }

    @Test
    void theProgramGetsTheAbsolutePathAndPureFtpdsVariables() throws Exception {
        assumeTrue(root(), "the files are given to other owners (chown needs root)");
        Path out = Files.createDirectories(temp.resolve("out"));
        hook.configure(config("program", recordingScript(out).toString()));
        Path directory = Files.createDirectories(temp.resolve("incoming dir"));

        Path report = Files.writeString(directory.resolve("my report 2024.txt"), "hello, world\n");
        Files.setPosixFilePermissions(report, PosixFilePermissions.fromString("rw-r-----"));
        UserPrincipalLookupService names = report.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(report, names.lookupPrincipalByName("nobody"));
        Files.getFileAttributeView(report, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(names.lookupPrincipalByGroupName("nogroup"));

        // an owner and a group without names: UPLOAD_USER and UPLOAD_GROUP are left out
        Path orphan = Files.write(directory.resolve("orphan.bin"), new byte[70_000]);
        Files.setPosixFilePermissions(orphan, PosixFilePermissions.fromString("rw----r--"));
        int unnamed = unnamedId(orphan);
        Files.setAttribute(orphan, "unix:uid", unnamed);
        Files.setAttribute(orphan, "unix:gid", unnamed);

        // the event names the file through a path with "." and ".." in it: the program gets the real one
        hook.uploaded(event("joe", directory.resolve("../incoming dir/./my report 2024.txt")));
        hook.uploaded(event("an.other-user_42@example.org", orphan));
        Path real = temp.toRealPath().resolve("incoming dir");
        await("both runs", 10_000, () -> Files.exists(out.resolve("orphan.bin.pwd")));

        assertEquals("""
                ARG=%s/my report 2024.txt
                ARGC=1
                UPLOAD_GID=65534
                UPLOAD_GROUP=nogroup
                UPLOAD_PERMS=640
                UPLOAD_SIZE=13
                UPLOAD_UID=65534
                UPLOAD_USER=nobody
                UPLOAD_VUSER=joe
                """.formatted(real), Files.readString(out.resolve("my report 2024.txt.env")));
        assertEquals("""
                ARG=%s/orphan.bin
                ARGC=1
                UPLOAD_GID=%d
                UPLOAD_PERMS=604
                UPLOAD_SIZE=70000
                UPLOAD_UID=%d
                UPLOAD_VUSER=an.other-user_42@example.org
                """.formatted(real, unnamed, unnamed), Files.readString(out.resolve("orphan.bin.env")));

        // nothing of the server's environment but PATH, HOME and LANG (the shell adds PWD)
        Set<String> variables = new TreeSet<>(Files.readAllLines(out.resolve("my report 2024.txt.names")));
        variables.removeIf(name -> name.startsWith("UPLOAD_"));
        Set<String> allowed = Set.of("PATH", "HOME", "LANG", "PWD");
        assertTrue(allowed.containsAll(variables), "environment names " + variables);
        assertTrue(variables.contains("PATH"), "PATH is set");
        assertEquals("/\n", Files.readString(out.resolve("my report 2024.txt.pwd")), "runs in /");
    }

    /** A uid (used as gid too) that neither /etc/passwd nor /etc/group names. */
    private static int unnamedId(Path file) throws Exception {
        for (int id = 54_321; ; id++) {
            Files.setAttribute(file, "unix:uid", id);
            Files.setAttribute(file, "unix:gid", id);
            if (Files.getOwner(file).getName().equals(Integer.toString(id))
                    && Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class).group().getName()
                    .equals(Integer.toString(id))) {
                return id;
            }
        }
    }

    @Test
    void onlyRegularFilesThatStillExistAndCompleteUploadsUnlessAbortedIsOn() throws Exception {
        Path out = Files.createDirectories(temp.resolve("out"));
        hook.configure(config("program", recordingScript(out).toString()));
        Path real = Files.writeString(temp.resolve("real.txt"), "x");
        Path link = Files.createSymbolicLink(temp.resolve("link.txt"), real);
        Path directory = Files.createDirectories(temp.resolve("dir.txt"));
        Path partial = Files.writeString(temp.resolve("partial.txt"), "half");

        hook.process(event("joe", link));
        hook.process(event("joe", directory));
        hook.process(event("joe", temp.resolve("gone.txt")));
        hook.process(event("joe", partial, false));
        hook.process(event("bad\nlogin", real));
        hook.process(event("x".repeat(128), real));
        assertEquals(List.of(), listing(out), "none of those ran the program");

        hook.process(event("x".repeat(127), real));
        assertTrue(readOrEmpty(out.resolve("real.txt.env")).contains("UPLOAD_VUSER=" + "x".repeat(127) + "\n"));

        hook.configure(config("program", recordingScript(out).toString(), "aborted", "true"));
        hook.process(event("joe", partial, false));
        assertTrue(readOrEmpty(out.resolve("partial.txt.env")).contains("UPLOAD_SIZE=4\n"),
                "aborted = true passes on an aborted upload whose file is there");
    }

    private static List<String> listing(Path directory) throws Exception {
        try (var files = Files.list(directory)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void oneAtATimeInOrderAndTheCoreThreadIsNeverHeld() throws Exception {
        Path log = temp.resolve("runs.log");
        Path script = script(temp, "slow.sh", """
                echo "start $(basename "$1")" >> "%1$s"
                sleep 0.3
                echo "end $(basename "$1")" >> "%1$s"
                """.formatted(log));
        hook.configure(config("program", script.toString()));
        long start = System.nanoTime();
        for (int i = 1; i <= 4; i++) {
            hook.uploaded(event("joe", Files.writeString(temp.resolve("file" + i), "data")));
        }
        long queueing = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(queueing < 250, "uploaded() only queues: " + queueing + " ms for 4 events");
        await("4 runs", 15_000, () -> readOrEmpty(log).contains("end file4"));
        assertEquals("""
                start file1
                end file1
                start file2
                end file2
                start file3
                end file3
                start file4
                end file4
                """, Files.readString(log));
    }

    @Test
    void aFullQueueDropsAndLogsAndStoppingKillsTheRunningProgram() throws Exception {
        Path script = script(temp, "stuck.sh", "echo $$ > \"" + temp + "/stuck.pid\"\nexec sleep 300\n");
        hook.configure(config("program", script.toString()));
        Path file = Files.writeString(temp.resolve("up.txt"), "x");
        hook.uploaded(event("joe", file));
        await("the program to run", 5_000, () -> Files.exists(temp.resolve("stuck.pid")));
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            for (int i = 0; i < UploadScriptHook.QUEUE_CAPACITY + 2; i++) {
                hook.uploaded(event("joe", file));
            }
            String logged = captured.text();
            assertEquals(2, logged.lines().filter(line -> line.contains("queue full (1000 uploads waiting)")).count(),
                    logged);

            long pid = Long.parseLong(Files.readString(temp.resolve("stuck.pid")).strip());
            long start = System.nanoTime();
            hook.deactivate();
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000, "stopping is quick");
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the program is killed");
            assertTrue(captured.text().contains("1000 queued uploads not passed on"), captured.text());
        }
    }

    @Test
    void aFailingAndAHangingProgramDoNotStopTheNextUpload() throws Exception {
        Path log = temp.resolve("runs.log");
        Path script = script(temp, "moody.sh", """
                name=$(basename "$1")
                echo "start $name" >> "%1$s"
                case "$name" in
                  fail*) echo "something went wrong with $name"; exit 3 ;;
                  hang*) sleep 300 & echo $! > "%2$s/sleep.pid"; echo $$ > "%2$s/shell.pid"; wait ;;
                esac
                echo "end $name" >> "%1$s"
                """.formatted(log, temp));
        hook.configure(config("program", script.toString(), "timeout.seconds", "1"));
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            long start = System.nanoTime();
            hook.uploaded(event("joe", Files.writeString(temp.resolve("fail.txt"), "1")));
            hook.uploaded(event("joe", Files.writeString(temp.resolve("hang.txt"), "2")));
            hook.uploaded(event("joe", Files.writeString(temp.resolve("fine.txt"), "3")));
            await("the upload after the hanging one", 15_000, () -> readOrEmpty(log).contains("end fine.txt"));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(seconds < 8, "the hanging program was killed after its timeout: " + seconds + " s in all");
            assertEquals("start fail.txt\nstart hang.txt\nstart fine.txt\nend fine.txt\n", Files.readString(log));

            for (String pidFile : List.of("shell.pid", "sleep.pid")) {
                long pid = Long.parseLong(Files.readString(temp.resolve(pidFile)).strip());
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                        pidFile + ": the program and what it started are killed");
            }
            String logged = captured.text();
            assertTrue(logged.contains("something went wrong with fail.txt"), "its output is logged: " + logged);
            assertTrue(logged.contains("exited with code 3 for " + temp.toRealPath().resolve("fail.txt")), logged);
            assertTrue(logged.contains("ran longer than 1 s for " + temp.toRealPath().resolve("hang.txt")), logged);
        }
    }

    @Test
    void outputIsLoggedUpToALimitAndWithoutControlCharacters() throws Exception {
        Path script = script(temp, "chatty.sh", """
                printf 'forged\\rWARN line\\n'
                head -c 100000 /dev/zero | tr '\\0' 'y'
                """);
        hook.configure(config("program", script.toString()));
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            hook.process(event("joe", Files.writeString(temp.resolve("a.txt"), "a")));
            String logged = captured.text();
            assertTrue(logged.contains(": forged?WARN line"), logged);
            assertTrue(logged.contains("(" + (100_000 - (ProgramRunner.MAX_LOGGED_OUTPUT - 17))
                    + " more bytes of output not logged)"), logged);
            assertFalse(logged.contains("y".repeat(ProgramRunner.MAX_LOGGED_OUTPUT)), "bounded");
        }
    }

    @Test
    void aBadValueIsReportedWithItsKeyAndNothingRunsUntilItIsFixed() throws Exception {
        Path ran = temp.resolve("ran");
        Path script = script(temp, "touch.sh", "echo \"$1\" >> \"" + ran + "\"\n");
        Path file = Files.writeString(temp.resolve("up.txt"), "x");
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            hook.configure(config("program", script.toString(), "timeout.seconds", "soon"));
            assertTrue(captured.text().contains("invalid value for 'timeout.seconds': 'soon'"), captured.text());
            hook.configure(config("program", "bin/relative.sh"));
            assertTrue(captured.text().contains("invalid value for 'program': 'bin/relative.sh'"), captured.text());
            hook.configure(config("program", script.toString(), "aborted", "maybe"));
            assertTrue(captured.text().contains("invalid value for 'aborted'"), captured.text());
        }
        hook.uploaded(event("joe", file));
        hook.process(event("joe", file));
        Thread.sleep(500);
        assertFalse(Files.exists(ran), "a broken configuration runs nothing");

        hook.configure(config("program", script.toString(), "timeout.seconds", "5")); // @Modified, applied live
        hook.uploaded(event("joe", file));
        String expected = temp.toRealPath().resolve("up.txt") + "\n";
        await("the run after the fix", 10_000, () -> readOrEmpty(ran).equals(expected));
    }

    @Test
    void aProgramThatCannotStartIsLoggedAndTheNextUploadStillRuns() throws Exception {
        Path ran = temp.resolve("ran");
        Path script = script(temp, "touch.sh", "echo \"$1\" >> \"" + ran + "\"\n");
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            hook.configure(config("program", temp.resolve("missing.sh").toString()));
            hook.process(event("joe", Files.writeString(temp.resolve("a.txt"), "a")));
            assertTrue(captured.text().contains("could not be started"), captured.text());
        }
        hook.configure(config("program", script.toString()));
        hook.process(event("joe", Files.writeString(temp.resolve("b.txt"), "b")));
        assertEquals(temp.toRealPath().resolve("b.txt") + "\n", Files.readString(ran));
    }
}
