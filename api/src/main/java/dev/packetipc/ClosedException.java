package dev.packetipc;

/** The object was used after this side closed it, or it was closed while a call was blocked in it. */
public class ClosedException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public ClosedException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public ClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
