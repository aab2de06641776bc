package dev.packetipc;

/** The other side went away without a clean end: its process died, it closed without sending end-of-stream, or the client closed while the server was still sending. */
public class PeerGoneException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public PeerGoneException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public PeerGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
