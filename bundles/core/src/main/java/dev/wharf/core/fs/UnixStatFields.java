package dev.wharf.core.fs;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * The numeric stat fields (mode with its type bits, link count, uid, gid, device, inode) read straight from the
 * JDK's own attributes object. Java has no public accessor for them: the string-keyed {@code unix:} view parses
 * its attribute list and fills a map for every file, a third of a large listing's time. This works only when the
 * JVM opens {@code sun.nio.fs} to us ({@code bin/wharf} passes {@code --add-opens}); everywhere else
 * {@link #AVAILABLE} is false and callers use the {@code unix:} view.
 */
final class UnixStatFields {

    static final boolean AVAILABLE;
    private static final Class<?> ATTRIBUTES;
    private static final MethodHandle MODE;
    private static final MethodHandle NLINK;
    private static final MethodHandle UID;
    private static final MethodHandle GID;
    private static final MethodHandle DEV;
    private static final MethodHandle INO;

    static {
        MethodHandle mode = null;
        MethodHandle nlink = null;
        MethodHandle uid = null;
        MethodHandle gid = null;
        MethodHandle dev = null;
        MethodHandle ino = null;
        Class<?> attributes = null;
        try {
            // the class of what the JDK returns (sun.nio.fs.UnixFileAttributes), taken from an object rather than
            // named, so that the bundle does not import that package
            attributes = Files.readAttributes(Path.of("/"), PosixFileAttributes.class).getClass();
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(attributes, MethodHandles.lookup());
            mode = accessor(lookup, attributes, "mode", int.class);
            nlink = accessor(lookup, attributes, "nlink", int.class);
            uid = accessor(lookup, attributes, "uid", int.class);
            gid = accessor(lookup, attributes, "gid", int.class);
            dev = accessor(lookup, attributes, "dev", long.class);
            ino = accessor(lookup, attributes, "ino", long.class);
        } catch (ReflectiveOperationException | IOException | RuntimeException closedOrAbsent) {
            // not opened to us (IllegalAccessException), another JDK's internals, or not Unix: use the unix view
            mode = null;
        }
        AVAILABLE = mode != null;
        ATTRIBUTES = attributes;
        MODE = mode;
        NLINK = nlink;
        UID = uid;
        GID = gid;
        DEV = dev;
        INO = ino;
    }

    private UnixStatFields() {
    }

    private static MethodHandle accessor(MethodHandles.Lookup lookup, Class<?> owner, String name, Class<?> type)
            throws ReflectiveOperationException {
        return lookup.findVirtual(owner, name, MethodType.methodType(type))
                .asType(MethodType.methodType(type, Object.class));
    }

    /** Whether {@code attributes} is the JDK's Unix attributes object these accessors read. */
    static boolean readable(PosixFileAttributes attributes) {
        return AVAILABLE && attributes.getClass() == ATTRIBUTES;
    }

    static int mode(PosixFileAttributes attributes) {
        return intField(MODE, attributes);
    }

    static long links(PosixFileAttributes attributes) {
        return intField(NLINK, attributes);
    }

    static int uid(PosixFileAttributes attributes) {
        return intField(UID, attributes);
    }

    static int gid(PosixFileAttributes attributes) {
        return intField(GID, attributes);
    }

    static long device(PosixFileAttributes attributes) {
        return longField(DEV, attributes);
    }

    static long inode(PosixFileAttributes attributes) {
        return longField(INO, attributes);
    }

    private static int intField(MethodHandle accessor, PosixFileAttributes attributes) {
        try {
            return (int) accessor.invokeExact((Object) attributes);
        } catch (Throwable impossible) { // the accessors are plain getters of a class checked by readable()
            throw new IllegalStateException(impossible);
        }
    }

    private static long longField(MethodHandle accessor, PosixFileAttributes attributes) {
        try {
            return (long) accessor.invokeExact((Object) attributes);
        } catch (Throwable impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
