package dev.wharf.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.Identity;
import dev.wharf.storage.local.LocalStorageProvider;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ConfinedFileSystemTest {

    @TempDir
    Path temp;

    private ConfinedFileSystem open(Path root) throws IOException {
        Account account = new Account("joe", root.toString(), 1000, 1000, AccountLimits.NONE);
        return new ConfinedFileSystem(ServiceUserStorage.provider().open(account, Identity.of(account)), "/");
    }

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
        try (ConfinedFileSystem files = open(temp)) {
            assertThrows(PathRefusedException.class, () -> files.virtualPath("a\rb"));
            assertThrows(PathRefusedException.class, () -> files.virtualPath("..\\..\\windows"));
        }
    }

    @Test
    void directoryLinksInTheMiddleOfAPathAreFollowedOnlyWhenTheyStayInside() throws IOException {
        Path root = Files.createDirectories(temp.resolve("root")).toRealPath();
        Path outside = Files.createDirectories(temp.resolve("elsewhere"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createDirectories(root.resolve("real/deeper"));
        Files.writeString(root.resolve("real/deeper/file.txt"), "fine");
        Files.createSymbolicLink(root.resolve("alias"), Path.of("real"));
        Files.createSymbolicLink(root.resolve("real/exit"), outside);
        try (ConfinedFileSystem files = open(root)) {
            assertEquals(4, files.storage().stat("/alias/deeper/file.txt").size());
            files.changeDirectory("/alias/deeper");
            assertEquals("/alias/deeper", files.currentDirectory());
            assertThrows(NotDirectoryException.class, () -> files.changeDirectory("/alias/deeper/file.txt"));
            assertThrows(AccessDeniedException.class, () -> files.storage().stat("/real/exit/secret.txt"));
            assertThrows(AccessDeniedException.class, () -> files.changeDirectory("/real/exit"));
            assertThrows(AccessDeniedException.class, () -> files.storage().lstatIfExists("/alias/exit/secret.txt"),
                    "a link in the middle is always followed, whatever happens to the last component");
            assertThrows(AccessDeniedException.class, () -> files.storage().startUpload("/real/exit/new.txt", 0644));
            assertThrows(NoSuchFileException.class, () -> files.storage().stat("/real/missing/file.txt"));
        }
        assertEquals(false, Files.exists(outside.resolve("new.txt")));
    }
}
