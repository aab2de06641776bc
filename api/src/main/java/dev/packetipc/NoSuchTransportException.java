package dev.packetipc;

/** No transport matches the selection, or two providers claim one id. The message lists every transport found. */
public class NoSuchTransportException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public NoSuchTransportException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public NoSuchTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
