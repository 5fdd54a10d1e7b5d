package dev.wharf.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfinedFileSystemTest {

    @TempDir
    Path temp;

    @Test
    void dotDotNeverClimbsAboveTheRoot() {
        assertEquals("/", ConfinedFileSystem.normalize("/", ".."));
        assertEquals("/etc/passwd", ConfinedFileSystem.normalize("/a/b", "../../../../etc/passwd"));
        assertEquals("/a/c", ConfinedFileSystem.normalize("/a/b", "../c/./"));
        assertEquals("/x", ConfinedFileSystem.normalize("/a", "//x//"));
        assertEquals("/a/b", ConfinedFileSystem.normalize("/a", "b"));
        assertEquals("/", ConfinedFileSystem.normalize("/a", "/"));
    }

    @Test
    void controlCharactersAndBackslashesAreRefused() throws IOException {
        ConfinedFileSystem files = new ConfinedFileSystem(temp.toRealPath(), "/");
        assertThrows(PathRefusedException.class, () -> files.virtualPath("a\rb"));
        assertThrows(PathRefusedException.class, () -> files.virtualPath("..\\..\\windows"));
    }

    @Test
    void symlinksLeadingOutOfTheRootAreRefusedButInsideOnesWork() throws IOException {
        Path root = Files.createDirectories(temp.resolve("root")).toRealPath();
        Files.writeString(temp.resolve("outside.txt"), "secret");
        Files.writeString(root.resolve("inside.txt"), "fine");
        Files.createSymbolicLink(root.resolve("out"), temp.resolve("outside.txt"));
        Files.createSymbolicLink(root.resolve("in"), root.resolve("inside.txt"));
        Files.createSymbolicLink(root.resolve("dangling"), temp.resolve("missing"));
        ConfinedFileSystem files = new ConfinedFileSystem(root, "/");

        assertThrows(PathRefusedException.class, () -> files.resolveExisting("/out", true));
        assertEquals(root.resolve("out"), files.resolveExisting("/out", false), "the link itself may be deleted");
        assertEquals(root.resolve("in"), files.resolveExisting("/in", true));
        assertThrows(NoSuchFileException.class, () -> files.resolveExisting("/dangling", true));
        assertThrows(PathRefusedException.class, () -> files.resolveNew("/out"), "no writing through links");
        assertThrows(NoSuchFileException.class, () -> files.resolveNew("/nodir/file"));
        assertEquals("/in", files.virtualPathOf(root.resolve("in")));
    }

    @Test
    void directoryLinksInTheMiddleOfAPathAreFollowedOnlyWhenTheyStayInside() throws IOException {
        Path root = Files.createDirectories(temp.resolve("root")).toRealPath();
        Path outside = Files.createDirectories(temp.resolve("elsewhere"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createDirectories(root.resolve("real/deeper"));
        Files.writeString(root.resolve("real/deeper/file.txt"), "fine");
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));
        Files.createSymbolicLink(root.resolve("real/exit"), outside);
        ConfinedFileSystem files = new ConfinedFileSystem(root, "/");

        assertEquals(root.resolve("alias/deeper/file.txt"), files.resolveExisting("/alias/deeper/file.txt", true));
        assertEquals(root.resolve("alias/deeper/new.txt"), files.resolveNew("/alias/deeper/new.txt"));
        assertThrows(PathRefusedException.class, () -> files.resolveExisting("/real/exit/secret.txt", true));
        assertThrows(PathRefusedException.class, () -> files.resolveExisting("/alias/exit/secret.txt", false),
                "a link in the middle is always followed, whatever happens to the last component");
        assertThrows(PathRefusedException.class, () -> files.resolveNew("/real/exit/new.txt"));
        assertThrows(NoSuchFileException.class, () -> files.resolveExisting("/real/missing/file.txt", true));
    }
}
