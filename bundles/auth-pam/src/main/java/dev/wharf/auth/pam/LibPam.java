package dev.wharf.auth.pam;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;

/**
 * The system's libpam (Linux-PAM) and getpwnam_r, called through the FFM API. One instance per backend; the
 * handles are immutable and each login runs in its own confined arena, so logins may run concurrently.
 */
final class LibPam {

    /** What PAM said about one login. */
    enum Outcome {
        /** authentication and account management passed; the system account follows */
        ACCEPTED,
        /** pam_authenticate or pam_acct_mgmt refused: as in Pure-FTPd, the next backend is asked */
        REFUSED,
        /** PAM accepted, but establishing the credentials failed: the login is refused */
        CREDENTIALS_FAILED
    }

    /** The user's system account from getpwnam_r. */
    record SystemAccount(String name, int uid, int gid, String home) {
    }

    /** A PAM result with the step that gave it, for the log. */
    record Result(Outcome outcome, String step, int code, String message) {
    }

    private static final int PAM_SUCCESS = 0;
    private static final int PAM_BUF_ERR = 5;
    private static final int PAM_CONV_ERR = 19;
    private static final int PAM_PROMPT_ECHO_OFF = 1;
    private static final int PAM_PROMPT_ECHO_ON = 2;
    private static final int PAM_ERROR_MSG = 3;
    private static final int PAM_TEXT_INFO = 4;
    private static final int PAM_RHOST = 4;
    private static final int PAM_TTY = 3;
    private static final int PAM_RUSER = 8;
    private static final int PAM_SILENT = 0x8000;
    private static final int PAM_ESTABLISH_CRED = 0x0002;
    /** struct pam_message {int msg_style; const char *msg;} and struct pam_response {char *resp; int retcode;} */
    private static final long MESSAGE_SIZE = 16;
    private static final long RESPONSE_SIZE = 16;
    /** struct passwd on 64-bit glibc: name, passwd, uid, gid, gecos, dir, shell. */
    private static final long PASSWD_SIZE = 48;
    private static final long PASSWD_UID = 16;
    private static final long PASSWD_GID = 20;
    private static final long PASSWD_DIR = 32;
    private static final int ERANGE = 34;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final java.lang.foreign.AddressLayout ADDRESS = ValueLayout.ADDRESS;
    private static final MethodHandle CONVERSE;

    static {
        try {
            CONVERSE = MethodHandles.lookup().findStatic(LibPam.class, "converse", MethodType.methodType(int.class,
                    Credentials.class, int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class));
        } catch (ReflectiveOperationException impossible) {
            throw new ExceptionInInitializerError(impossible);
        }
    }

    private final Linker linker = Linker.nativeLinker();
    private final MethodHandle pamStart;
    private final MethodHandle pamSetItem;
    private final MethodHandle pamAuthenticate;
    private final MethodHandle pamAcctMgmt;
    private final MethodHandle pamSetcred;
    private final MethodHandle pamOpenSession;
    private final MethodHandle pamCloseSession;
    private final MethodHandle pamEnd;
    private final MethodHandle pamStrerror;
    private final MethodHandle getpwnamR;
    private final MethodHandle sysconf;
    private final FunctionDescriptor conversationType =
            FunctionDescriptor.of(INT, INT, ADDRESS, ADDRESS, ADDRESS);

    /** The user name and password a conversation answers with, held by the upcall of one login. */
    private record Credentials(byte[] user, byte[] password, MethodHandle calloc, MethodHandle strdup,
                               MethodHandle free) {
    }

    private final MethodHandle calloc;
    private final MethodHandle strdup;
    private final MethodHandle free;

    /** @param library libpam's file name, e.g. {@code libpam.so.0} */
    LibPam(String library, Arena libraryArena) {
        SymbolLookup pam = SymbolLookup.libraryLookup(library, libraryArena);
        SymbolLookup libc = linker.defaultLookup();
        pamStart = handle(pam, "pam_start", FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        pamSetItem = handle(pam, "pam_set_item", FunctionDescriptor.of(INT, ADDRESS, INT, ADDRESS));
        pamAuthenticate = handle(pam, "pam_authenticate", FunctionDescriptor.of(INT, ADDRESS, INT));
        pamAcctMgmt = handle(pam, "pam_acct_mgmt", FunctionDescriptor.of(INT, ADDRESS, INT));
        pamSetcred = handle(pam, "pam_setcred", FunctionDescriptor.of(INT, ADDRESS, INT));
        pamOpenSession = handle(pam, "pam_open_session", FunctionDescriptor.of(INT, ADDRESS, INT));
        pamCloseSession = handle(pam, "pam_close_session", FunctionDescriptor.of(INT, ADDRESS, INT));
        pamEnd = handle(pam, "pam_end", FunctionDescriptor.of(INT, ADDRESS, INT));
        pamStrerror = handle(pam, "pam_strerror", FunctionDescriptor.of(ADDRESS, ADDRESS, INT));
        getpwnamR = handle(libc, "getpwnam_r", FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS,
                ValueLayout.JAVA_LONG, ADDRESS));
        sysconf = handle(libc, "sysconf", FunctionDescriptor.of(ValueLayout.JAVA_LONG, INT));
        calloc = handle(libc, "calloc", FunctionDescriptor.of(ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG));
        strdup = handle(libc, "strdup", FunctionDescriptor.of(ADDRESS, ADDRESS));
        free = handle(libc, "free", FunctionDescriptor.ofVoid(ADDRESS));
    }

    private MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor type) {
        MemorySegment symbol = lookup.find(name)
                .orElseThrow(() -> new IllegalStateException(name + " not found in the PAM or C library"));
        return linker.downcallHandle(symbol, type);
    }

    /**
     * Pure-FTPd's sequence: pam_start with the service, PAM_TTY and PAM_RUSER (and PAM_RHOST, which PAM's access
     * modules use), pam_authenticate, pam_acct_mgmt, pam_setcred, then a session opened and closed at once (its
     * failure does not matter), and pam_end. The password is answered to every echo-off prompt, the user name to
     * echo-on prompts.
     */
    Result login(String service, String user, byte[] password, String remoteHost) {
        byte[] userBytes = user.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            Credentials credentials = new Credentials(userBytes, password, calloc, strdup, free);
            MemorySegment upcall = linker.upcallStub(CONVERSE.bindTo(credentials), conversationType, arena);
            MemorySegment conversation = arena.allocate(16, 8); // struct pam_conv {conv; appdata_ptr;}
            conversation.set(ADDRESS, 0, upcall);
            conversation.set(ADDRESS, 8, MemorySegment.NULL);
            MemorySegment handleOut = arena.allocate(ADDRESS);
            int code = (int) pamStart.invokeExact(arena.allocateFrom(service), arena.allocateFrom(user),
                    conversation, handleOut);
            if (code != PAM_SUCCESS) {
                return new Result(Outcome.REFUSED, "pam_start", code, "PAM could not start (service " + service + ")");
            }
            MemorySegment pamh = handleOut.get(ADDRESS, 0);
            int status = PAM_SUCCESS;
            try {
                int ignored = (int) pamSetItem.invokeExact(pamh, PAM_TTY, arena.allocateFrom("pure-ftpd"));
                ignored = (int) pamSetItem.invokeExact(pamh, PAM_RUSER, arena.allocateFrom(user));
                ignored = (int) pamSetItem.invokeExact(pamh, PAM_RHOST, arena.allocateFrom(remoteHost));
                status = (int) pamAuthenticate.invokeExact(pamh, 0);
                if (status != PAM_SUCCESS) {
                    return new Result(Outcome.REFUSED, "pam_authenticate", status, strerror(pamh, status));
                }
                status = (int) pamAcctMgmt.invokeExact(pamh, 0);
                if (status != PAM_SUCCESS) {
                    return new Result(Outcome.REFUSED, "pam_acct_mgmt", status, strerror(pamh, status));
                }
                status = (int) pamSetcred.invokeExact(pamh, PAM_ESTABLISH_CRED);
                if (status != PAM_SUCCESS) {
                    return new Result(Outcome.CREDENTIALS_FAILED, "pam_setcred", status, strerror(pamh, status));
                }
                if ((int) pamOpenSession.invokeExact(pamh, PAM_SILENT) == PAM_SUCCESS) {
                    ignored = (int) pamCloseSession.invokeExact(pamh, PAM_SILENT);
                }
                return new Result(Outcome.ACCEPTED, "pam_setcred", status, "ok");
            } finally {
                int ignored = (int) pamEnd.invokeExact(pamh, status);
            }
        } catch (Throwable failure) {
            throw failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
        }
    }

    /** The system account, or {@code null} when there is none. */
    SystemAccount account(String user) {
        try (Arena arena = Arena.ofConfined()) {
            long size = (long) sysconf.invokeExact(70); // _SC_GETPW_R_SIZE_MAX
            size = size > 0 ? size : 16_384;
            MemorySegment entry = arena.allocate(PASSWD_SIZE, 8);
            MemorySegment resultOut = arena.allocate(ADDRESS);
            MemorySegment name = arena.allocateFrom(user);
            while (true) {
                MemorySegment buffer = arena.allocate(size);
                int error = (int) getpwnamR.invokeExact(name, entry, buffer, size, resultOut);
                if (error == ERANGE && size < 1 << 20) {
                    size *= 4;
                    continue;
                }
                if (error != 0 || resultOut.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                    return null;
                }
                String home = entry.get(ADDRESS, PASSWD_DIR).reinterpret(Long.MAX_VALUE).getString(0);
                return new SystemAccount(user, entry.get(INT, PASSWD_UID), entry.get(INT, PASSWD_GID), home);
            }
        } catch (Throwable failure) {
            throw failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
        }
    }

    private String strerror(MemorySegment pamh, int code) throws Throwable {
        MemorySegment text = (MemorySegment) pamStrerror.invokeExact(pamh, code);
        return text.equals(MemorySegment.NULL) ? "PAM error " + code : text.reinterpret(4096).getString(0);
    }

    /**
     * The conversation function: one response per message, allocated with the C library because PAM frees them.
     * An error message (or a style PAM does not define) ends the conversation, as in Pure-FTPd.
     */
    private static int converse(Credentials credentials, int count, MemorySegment messages, MemorySegment responsesOut,
                                MemorySegment appData) {
        MemorySegment responses = MemorySegment.NULL;
        try {
            if (count <= 0 || count > 64) {
                return PAM_CONV_ERR;
            }
            MemorySegment pointers = messages.reinterpret(count * ADDRESS.byteSize());
            responses = (MemorySegment) credentials.calloc().invokeExact((long) count, RESPONSE_SIZE);
            if (responses.equals(MemorySegment.NULL)) {
                return PAM_BUF_ERR;
            }
            responses = responses.reinterpret(count * RESPONSE_SIZE);
            try (Arena scratch = Arena.ofConfined()) {
                for (int i = 0; i < count; i++) {
                    int style = pointers.getAtIndex(ADDRESS, i).reinterpret(MESSAGE_SIZE).get(INT, 0);
                    byte[] answer;
                    if (style == PAM_PROMPT_ECHO_OFF) {
                        answer = credentials.password();
                    } else if (style == PAM_PROMPT_ECHO_ON) {
                        answer = credentials.user();
                    } else if (style == PAM_TEXT_INFO) {
                        continue; // no response: calloc left it NULL with PAM_SUCCESS
                    } else {
                        freeAll(credentials, responses, count);
                        return PAM_CONV_ERR;
                    }
                    MemorySegment source = scratch.allocate(answer.length + 1L);
                    MemorySegment.copy(answer, 0, source, ValueLayout.JAVA_BYTE, 0, answer.length);
                    MemorySegment copy = (MemorySegment) credentials.strdup().invokeExact(source);
                    source.fill((byte) 0);
                    if (copy.equals(MemorySegment.NULL)) {
                        freeAll(credentials, responses, count);
                        return PAM_BUF_ERR;
                    }
                    responses.set(ADDRESS, i * RESPONSE_SIZE, copy);
                }
            }
            responsesOut.reinterpret(ADDRESS.byteSize()).set(ADDRESS, 0, responses);
            return PAM_SUCCESS;
        } catch (Throwable failure) {
            return PAM_CONV_ERR; // an upcall must not throw: that would end the JVM
        }
    }

    /** Frees the responses of a failed conversation (the password copies wiped first) and their array. */
    private static void freeAll(Credentials credentials, MemorySegment responses, int count) throws Throwable {
        for (int i = 0; i < count; i++) {
            MemorySegment text = responses.get(ADDRESS, i * RESPONSE_SIZE);
            if (!text.equals(MemorySegment.NULL)) {
                MemorySegment readable = text.reinterpret(Integer.MAX_VALUE);
                long length = readable.getString(0).getBytes(StandardCharsets.UTF_8).length;
                readable.asSlice(0, length).fill((byte) 0);
                credentials.free().invokeExact(text);
            }
        }
        credentials.free().invokeExact(responses);
    }
}
