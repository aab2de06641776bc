package dev.packetipc;

/** A transport cannot run here: wrong operating system, a native library that does not load, or missing JVM flags. */
public class TransportUnavailableException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the given message.
     *
     * @param message what happened and what to do
     */
    public TransportUnavailableException(String message) {
        super(message);
    }

    /**
     * An exception with the given message and cause.
     *
     * @param message what happened and what to do
     * @param cause the failure underneath, or null
     */
    public TransportUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
