package dev.wharf.hook.uploadscript;

import static dev.wharf.hook.uploadscript.TestSupport.await;
import static dev.wharf.hook.uploadscript.TestSupport.config;
import static dev.wharf.hook.uploadscript.TestSupport.event;
import static dev.wharf.hook.uploadscript.TestSupport.readOrEmpty;
import static dev.wharf.hook.uploadscript.TestSupport.script;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FIFO mode against Debian's own {@code pure-uploadscript -r script}: it reads only the FIFO compiled into it
 * ({@code /var/run/pure-ftpd.upload.pipe}) and must run as root. The test leaves a FIFO or lock file that was
 * there before alone (a real Pure-FTPd may be using them) and removes what it created.
 */
class PureUploadscriptTest {

    private static final Path PURE_UPLOADSCRIPT = Path.of("/usr/sbin/pure-uploadscript");
    private static final Path FIFO = Path.of(Settings.PURE_FTPD_PIPE);
    private static final Path LOCK = Path.of(Settings.PURE_FTPD_LOCK);

    @TempDir
    Path temp;

    private final UploadScriptHook wharfHook = new UploadScriptHook();
    private final UploadScriptHook pipeHook = new UploadScriptHook();
    private Process pureUploadscript;
    private boolean lockExisted;

    @BeforeEach
    void preconditions() throws Exception {
        assumeTrue(Files.isExecutable(PURE_UPLOADSCRIPT), "pure-uploadscript (package pure-ftpd) missing");
        assumeTrue(ProgramModeTest.root(), "pure-uploadscript runs only as root");
        assumeFalse(Files.exists(FIFO, LinkOption.NOFOLLOW_LINKS),
                FIFO + " exists: a Pure-FTPd started with -o may be using it, so the test leaves it alone");
        lockExisted = Files.exists(LOCK, LinkOption.NOFOLLOW_LINKS);
    }

    @AfterEach
    void cleanUp() throws Exception {
        wharfHook.deactivate();
        pipeHook.deactivate();
        if (pureUploadscript != null) {
            pureUploadscript.destroy();
            if (!pureUploadscript.waitFor(5, TimeUnit.SECONDS)) {
                pureUploadscript.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        Files.deleteIfExists(FIFO);
        if (!lockExisted) {
            Files.deleteIfExists(LOCK);
        }
    }

    @Test
    void pureUploadscriptRunsTheScriptForWharfsRecordsWithTheSameVariablesAsTheProgramMode() throws Exception {
        Path viaPipe = Files.createDirectories(temp.resolve("via-pipe"));
        Path direct = Files.createDirectories(temp.resolve("direct"));
        String record = """
                name=$(basename "$1")
                { printf 'ARG=%%s\\n' "$1"; printf 'ARGC=%%s\\n' "$#"; env | grep '^UPLOAD_' | sort; } > "%1$s/.$name"
                mv "%1$s/.$name" "%1$s/$name"
                """; // the test waits for the file: it appears complete
        Path pipeScript = script(temp, "pipe-script.sh", record.formatted(viaPipe));
        Path directScript = script(temp, "direct-script.sh", record.formatted(direct));

        Path incoming = Files.createDirectories(temp.resolve("home/joe/in coming"));
        Path report = Files.writeString(incoming.resolve("quarterly report.pdf"), "%PDF-1.7 not really\n");
        Files.setPosixFilePermissions(report, PosixFilePermissions.fromString("rw-r--r--"));
        var names = report.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(report, names.lookupPrincipalByName("nobody"));
        Files.getFileAttributeView(report, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(names.lookupPrincipalByGroupName("nogroup"));
        Path second = Files.write(incoming.resolve("second.bin"), new byte[1234]);
        Files.setPosixFilePermissions(second, PosixFilePermissions.fromString("rw-rw----"));

        // started before the FIFO exists, as after a reboot: it retries the open for about ten seconds, and the
        // hook's first record creates the FIFO (mode 0600) the way Pure-FTPd does at start-up
        pureUploadscript = new ProcessBuilder(PURE_UPLOADSCRIPT.toString(), "-r", pipeScript.toString(),
                "-p", temp.resolve("pure-uploadscript.pid").toString())
                .redirectErrorStream(true).redirectOutput(temp.resolve("pure-uploadscript.out").toFile()).start();
        pipeHook.configure(config("pipe", FIFO.toString())); // the lock: Pure-FTPd's, the default
        wharfHook.configure(config("program", directScript.toString()));

        pipeHook.uploaded(event("joe", report));
        pipeHook.uploaded(event("a-very-long.login_name@example.com", second));
        wharfHook.uploaded(event("joe", report));
        wharfHook.uploaded(event("a-very-long.login_name@example.com", second));

        await("pure-uploadscript's runs (its output: " + readOrEmpty(temp.resolve("pure-uploadscript.out")) + ")",
                20_000, () -> Files.exists(viaPipe.resolve("second.bin")) && Files.exists(direct.resolve("second.bin")));
        String realIncoming = temp.toRealPath().resolve("home/joe/in coming").toString();
        assertEquals("""
                ARG=%s/quarterly report.pdf
                ARGC=1
                UPLOAD_GID=65534
                UPLOAD_GROUP=nogroup
                UPLOAD_PERMS=644
                UPLOAD_SIZE=20
                UPLOAD_UID=65534
                UPLOAD_USER=nobody
                UPLOAD_VUSER=joe
                """.formatted(realIncoming), Files.readString(viaPipe.resolve("quarterly report.pdf")));
        assertEquals("""
                ARG=%s/second.bin
                ARGC=1
                UPLOAD_GID=0
                UPLOAD_GROUP=root
                UPLOAD_PERMS=660
                UPLOAD_SIZE=1234
                UPLOAD_UID=0
                UPLOAD_USER=root
                UPLOAD_VUSER=a-very-long.login_name@example.com
                """.formatted(realIncoming), Files.readString(viaPipe.resolve("second.bin")));

        // Wharf's own program mode gives the program exactly what pure-uploadscript gives it
        assertEquals(Files.readString(viaPipe.resolve("quarterly report.pdf")),
                Files.readString(direct.resolve("quarterly report.pdf")));
        assertEquals(Files.readString(viaPipe.resolve("second.bin")), Files.readString(direct.resolve("second.bin")));

        assertEquals(0010600, (Integer) Files.getAttribute(FIFO, "unix:mode", LinkOption.NOFOLLOW_LINKS),
                "the FIFO pure-uploadscript accepts: mode 0600, root's");
    }
}
