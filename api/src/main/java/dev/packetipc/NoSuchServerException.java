package dev.packetipc;

/** No server answers to the name a client tried to connect to: it was never started, it has closed, or the name is mistyped. */
public class NoSuchServerException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public NoSuchServerException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public NoSuchServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
