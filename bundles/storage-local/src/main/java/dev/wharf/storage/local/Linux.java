package dev.wharf.storage.local;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The Linux system calls the local storage makes, through the Foreign Function & Memory API. Each returns the
 * call's result, or {@code -errno} on failure: no exception, no allocation beyond the caller's arena.
 */
final class Linux {

    static final int AT_FDCWD = -100;
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 01;
    static final int O_RDWR = 02;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NONBLOCK = 04000;
    static final int O_DIRECTORY = 0200000;
    static final int O_NOFOLLOW = 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;
    static final int O_TMPFILE = 020200000;

    static final long RESOLVE_NO_MAGICLINKS = 0x02;
    static final long RESOLVE_BENEATH = 0x08;

    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_EMPTY_PATH = 0x1000;
    static final int AT_SYMLINK_FOLLOW = 0x400;
    static final int RENAME_NOREPLACE = 1;

    static final int STATX_BASIC_STATS = 0x7ff;
    static final int STATX_SIZE = 256;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int EXDEV = 18;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int ENAMETOOLONG = 36;
    static final int ERANGE = 34;
    static final int ENOSYS = 38;
    static final int ENODATA = 61;
    static final int ENOTEMPTY = 39;
    static final int ELOOP = 40;
    static final int EOPNOTSUPP = 95;
    static final int EDQUOT = 122;

    /** openat2 on every architecture with the generic syscall table and on x86_64. */
    private static final long SYS_OPENAT2 = 437;
    /** getdents64 on x86_64 (the generic table, aarch64 and others, has it at 61). */
    private static final long SYS_GETDENTS64 = "aarch64".equals(System.getProperty("os.arch")) ? 61 : 217;
    /** getxattrat (Linux 6.13): the same number on every architecture, as all system calls since 424. */
    private static final long SYS_GETXATTRAT = 464;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;

    private static final MethodHandle SYSCALL4 = handle("syscall", FunctionDescriptor.of(LONG, LONG, LONG, ADDRESS,
            ADDRESS, LONG), true, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(INT, INT), false);
    private static final MethodHandle STATX = handle("statx", FunctionDescriptor.of(INT, INT, ADDRESS, INT, INT,
            ADDRESS), true);
    private static final MethodHandle MKDIRAT = handle("mkdirat", FunctionDescriptor.of(INT, INT, ADDRESS, INT),
            true);
    private static final MethodHandle UNLINKAT = handle("unlinkat", FunctionDescriptor.of(INT, INT, ADDRESS, INT),
            true);
    private static final MethodHandle RENAMEAT2 = handle("renameat2", FunctionDescriptor.of(INT, INT, ADDRESS, INT,
            ADDRESS, INT), true);
    private static final MethodHandle LINKAT = handle("linkat", FunctionDescriptor.of(INT, INT, ADDRESS, INT,
            ADDRESS, INT), true);
    private static final MethodHandle READLINKAT = handle("readlinkat", FunctionDescriptor.of(LONG, INT, ADDRESS,
            ADDRESS, LONG), true);
    private static final MethodHandle UTIMENSAT = handle("utimensat", FunctionDescriptor.of(INT, INT, ADDRESS,
            ADDRESS, INT), true);
    private static final MethodHandle FCHMOD = handle("fchmod", FunctionDescriptor.of(INT, INT, INT), true);
    private static final MethodHandle FCHMODAT = handle("fchmodat", FunctionDescriptor.of(INT, INT, ADDRESS, INT,
            INT), true);
    private static final MethodHandle FCHOWN = handle("fchown", FunctionDescriptor.of(INT, INT, INT, INT), true);
    private static final MethodHandle FCHOWNAT = handle("fchownat", FunctionDescriptor.of(INT, INT, ADDRESS, INT,
            INT, INT), true);
    private static final MethodHandle SYSCALL6 = handle("syscall", FunctionDescriptor.of(LONG, LONG, LONG, ADDRESS,
            LONG, ADDRESS, ADDRESS, LONG), true, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle GETXATTR = handle("getxattr", FunctionDescriptor.of(LONG, ADDRESS, ADDRESS,
            ADDRESS, LONG), true);
    private static final MethodHandle LGETXATTR = handle("lgetxattr", FunctionDescriptor.of(LONG, ADDRESS, ADDRESS,
            ADDRESS, LONG), true);
    private static final MethodHandle FGETXATTR = handle("fgetxattr", FunctionDescriptor.of(LONG, INT, ADDRESS,
            ADDRESS, LONG), true);
    private static final MethodHandle SYSCALL3 = handle("syscall", FunctionDescriptor.of(LONG, LONG, LONG, ADDRESS,
            LONG), true, Linker.Option.firstVariadicArg(1));

    private Linux() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor, boolean errno,
                                       Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] all = options;
        if (errno) {
            all = java.util.Arrays.copyOf(options, options.length + 1);
            all[options.length] = Linker.Option.captureCallState("errno");
        }
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** Room for one call's errno; allocate it in the call's arena. */
    static MemorySegment errnoSlot(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    private static int errno(MemorySegment slot) {
        return (int) ERRNO.get(slot, 0L);
    }

    private static int result(int value, MemorySegment slot) {
        return value < 0 ? -errno(slot) : value;
    }

    /** {@code openat2(dirfd, path, {flags, mode, resolve})}: a descriptor or {@code -errno}. */
    static int openat2(Arena arena, int dirfd, MemorySegment path, long flags, long mode, long resolve) {
        MemorySegment how = arena.allocate(24, 8);
        how.set(LONG, 0, flags);
        how.set(LONG, 8, mode);
        how.set(LONG, 16, resolve);
        MemorySegment slot = errnoSlot(arena);
        try {
            for (;;) {
                long fd = (long) SYSCALL4.invokeExact(slot, SYS_OPENAT2, (long) dirfd, path, how, 24L);
                if (fd >= 0) {
                    return (int) fd;
                }
                int error = errno(slot);
                if (error != EINTR && error != EAGAIN) {
                    return -error;
                }
            }
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(fd);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /** {@code statx} into {@code buffer} (256 bytes): 0 or {@code -errno}. */
    static int statx(Arena arena, int dirfd, MemorySegment path, int flags, MemorySegment buffer) {
        return statx(errnoSlot(arena), dirfd, path, flags, buffer);
    }

    /** As above with a reused errno slot (listings stat every entry). */
    static int statx(MemorySegment slot, int dirfd, MemorySegment path, int flags, MemorySegment buffer) {
        try {
            return result((int) STATX.invokeExact(slot, dirfd, path, flags, STATX_BASIC_STATS, buffer), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int mkdirat(Arena arena, int dirfd, MemorySegment name, int mode) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) MKDIRAT.invokeExact(slot, dirfd, name, mode), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int unlinkat(Arena arena, int dirfd, MemorySegment name, int flags) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) UNLINKAT.invokeExact(slot, dirfd, name, flags), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int renameat2(Arena arena, int fromDir, MemorySegment from, int toDir, MemorySegment to, int flags) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) RENAMEAT2.invokeExact(slot, fromDir, from, toDir, to, flags), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int linkat(Arena arena, int fromDir, MemorySegment from, int toDir, MemorySegment to, int flags) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) LINKAT.invokeExact(slot, fromDir, from, toDir, to, flags), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /** Reads the link into {@code buffer}: the length or {@code -errno}. */
    static long readlinkat(Arena arena, int dirfd, MemorySegment name, MemorySegment buffer) {
        MemorySegment slot = errnoSlot(arena);
        try {
            long length = (long) READLINKAT.invokeExact(slot, dirfd, name, buffer, buffer.byteSize());
            return length < 0 ? -errno(slot) : length;
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /** Sets the modification time (access time left as it is) of what {@code path} names. */
    static int setModified(Arena arena, int dirfd, MemorySegment path, long seconds, long nanos) {
        MemorySegment times = arena.allocate(32, 8);
        times.set(LONG, 0, 0L);
        times.set(LONG, 8, UTIME_OMIT);
        times.set(LONG, 16, seconds);
        times.set(LONG, 24, nanos);
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) UTIMENSAT.invokeExact(slot, dirfd, path, times, 0), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int fchmod(Arena arena, int fd, int mode) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) FCHMOD.invokeExact(slot, fd, mode), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int fchmodat(Arena arena, int dirfd, MemorySegment path, int mode) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) FCHMODAT.invokeExact(slot, dirfd, path, mode, 0), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int fchown(Arena arena, int fd, int uid, int gid) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) FCHOWN.invokeExact(slot, fd, uid, gid), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    static int fchownat(Arena arena, int dirfd, MemorySegment name, int uid, int gid, int flags) {
        MemorySegment slot = errnoSlot(arena);
        try {
            return result((int) FCHOWNAT.invokeExact(slot, dirfd, name, uid, gid, flags), slot);
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /** {@code getdents64}: bytes of entries read into {@code buffer}, 0 at the end, or {@code -errno}. */
    static int getdents64(Arena arena, int fd, MemorySegment buffer) {
        MemorySegment slot = errnoSlot(arena);
        try {
            for (;;) {
                long length = (long) SYSCALL3.invokeExact(slot, SYS_GETDENTS64, (long) fd, buffer,
                        buffer.byteSize());
                if (length >= 0) {
                    return (int) length;
                }
                int error = errno(slot);
                if (error != EINTR) {
                    return -error;
                }
            }
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /**
     * {@code getxattrat(dirfd, path, flags, name, {value, size})}: the value's length read into {@code value}, or
     * {@code -errno} ({@code -ENOSYS} before Linux 6.13, {@code -ENODATA} when the entry has no such attribute).
     */
    static long getxattrat(Arena arena, int dirfd, MemorySegment path, int flags, MemorySegment name,
                           MemorySegment value) {
        MemorySegment arguments = arena.allocate(16, 8);
        arguments.set(LONG, 0, value.address());
        arguments.set(INT, 8, (int) value.byteSize());
        arguments.set(INT, 12, 0);
        MemorySegment slot = errnoSlot(arena);
        try {
            long length = (long) SYSCALL6.invokeExact(slot, SYS_GETXATTRAT, (long) dirfd, path, (long) flags, name,
                    arguments, 16L);
            return length < 0 ? -errno(slot) : length;
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /** {@code getxattr(path, name, value)}, following a final link: as {@link #getxattrat}, for kernels before it. */
    static long getxattr(Arena arena, MemorySegment path, MemorySegment name, MemorySegment value) {
        MemorySegment slot = errnoSlot(arena);
        try {
            long length = (long) GETXATTR.invokeExact(slot, path, name, value, value.byteSize());
            return length < 0 ? -errno(slot) : length;
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /** {@code lgetxattr(path, name, value)}: as {@link #getxattrat}, for kernels before it. */
    static long lgetxattr(Arena arena, MemorySegment path, MemorySegment name, MemorySegment value) {
        MemorySegment slot = errnoSlot(arena);
        try {
            long length = (long) LGETXATTR.invokeExact(slot, path, name, value, value.byteSize());
            return length < 0 ? -errno(slot) : length;
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    /** {@code fgetxattr(fd, name, value)} of a descriptor opened for reading (O_PATH ones are refused). */
    static long fgetxattr(Arena arena, int fd, MemorySegment name, MemorySegment value) {
        MemorySegment slot = errnoSlot(arena);
        try {
            long length = (long) FGETXATTR.invokeExact(slot, fd, name, value, value.byteSize());
            return length < 0 ? -errno(slot) : length;
        } catch (Throwable unexpected) {
            throw new AssertionError(unexpected);
        }
    }
}
