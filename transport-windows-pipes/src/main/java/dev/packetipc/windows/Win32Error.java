package dev.packetipc.windows;

import java.io.IOException;
import java.util.Map;

/**
 * A Win32 call that failed, with its {@code GetLastError()} code. For an overlapped operation that ended in an error
 * (cancelled, broken pipe) it also says how many bytes had moved before, because a cancelled write may have written
 * part of its bytes.
 */
final class Win32Error extends IOException {
    private static final long serialVersionUID = 1L;

    static final int ERROR_FILE_NOT_FOUND = 2;
    static final int ERROR_ACCESS_DENIED = 5;
    static final int ERROR_INVALID_HANDLE = 6;
    static final int ERROR_NOT_ENOUGH_MEMORY = 8;
    static final int ERROR_INVALID_PARAMETER = 87;
    static final int ERROR_BROKEN_PIPE = 109;
    static final int ERROR_SEM_TIMEOUT = 121;
    static final int ERROR_PIPE_BUSY = 231;
    static final int ERROR_NO_DATA = 232;
    static final int ERROR_PIPE_NOT_CONNECTED = 233;
    static final int ERROR_PIPE_CONNECTED = 535;
    static final int ERROR_PIPE_LISTENING = 536;
    static final int ERROR_OPERATION_ABORTED = 995;
    static final int ERROR_IO_INCOMPLETE = 996;
    static final int ERROR_IO_PENDING = 997;
    static final int ERROR_NOT_FOUND = 1168;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND"),
            Map.entry(ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED"),
            Map.entry(ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE"),
            Map.entry(ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY"),
            Map.entry(ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER"),
            Map.entry(ERROR_BROKEN_PIPE, "ERROR_BROKEN_PIPE"),
            Map.entry(ERROR_SEM_TIMEOUT, "ERROR_SEM_TIMEOUT"),
            Map.entry(ERROR_PIPE_BUSY, "ERROR_PIPE_BUSY"),
            Map.entry(ERROR_NO_DATA, "ERROR_NO_DATA"),
            Map.entry(ERROR_PIPE_NOT_CONNECTED, "ERROR_PIPE_NOT_CONNECTED"),
            Map.entry(ERROR_PIPE_CONNECTED, "ERROR_PIPE_CONNECTED"),
            Map.entry(ERROR_PIPE_LISTENING, "ERROR_PIPE_LISTENING"),
            Map.entry(ERROR_OPERATION_ABORTED, "ERROR_OPERATION_ABORTED"),
            Map.entry(ERROR_IO_INCOMPLETE, "ERROR_IO_INCOMPLETE"),
            Map.entry(ERROR_IO_PENDING, "ERROR_IO_PENDING"),
            Map.entry(ERROR_NOT_FOUND, "ERROR_NOT_FOUND"));

    private final int code;
    private final int transferred;

    Win32Error(String function, int code) {
        this(function, code, 0);
    }

    Win32Error(String function, int code, int transferred) {
        super(function + " failed with " + describe(code));
        this.code = code;
        this.transferred = transferred;
    }

    /** The {@code GetLastError()} code. */
    int code() {
        return code;
    }

    /** Bytes an overlapped operation moved before it failed. */
    int transferred() {
        return transferred;
    }

    /** True for the codes that mean the other end of a pipe is gone: broken, being closed, or not connected. */
    boolean isPeerGone() {
        return code == ERROR_BROKEN_PIPE || code == ERROR_NO_DATA || code == ERROR_PIPE_NOT_CONNECTED;
    }

    /** {@code ERROR_BROKEN_PIPE (109)}, or the bare number for codes this transport does not expect. */
    static String describe(int code) {
        String name = NAMES.get(code);
        return name == null ? "error " + code : name + " (" + code + ")";
    }
}
