package dev.packetipc;

/** A bounded wait ran out: nothing arrived, no client connected, or the peer did not make room in time. */
public class IpcTimeoutException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public IpcTimeoutException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public IpcTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
