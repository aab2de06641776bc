package dev.packetipc;

/** The peer sent bytes that break the wire protocol: wrong magic or version, an unknown frame, a truncated or oversized frame. The connection is closed. */
public class ProtocolException extends IpcException {
    private static final long serialVersionUID = 1L;

    /** An exception with the given message. */
    public ProtocolException(String message) {
        super(message);
    }

    /** An exception with the given message and cause. */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
