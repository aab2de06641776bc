package dev.packetipc;

/** The peer sent bytes that break the wire protocol: wrong magic or version, an unknown frame, a truncated or oversized frame. The connection is closed. */
public class ProtocolException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public ProtocolException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
