package dev.packetipc;

import java.io.IOException;

/**
 * The root of every failure packet-ipc reports. Its subclasses say what went wrong; their messages also say what to
 * do about it.
 */
public class IpcException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public IpcException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public IpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
