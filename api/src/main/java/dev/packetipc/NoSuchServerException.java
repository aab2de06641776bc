package dev.packetipc;

/** No server answers to the name a client tried to connect to: it was never started, it has closed, or the name is mistyped. */
public class NoSuchServerException extends IpcException {
    private static final long serialVersionUID = 1L;

    /** An exception with the given message. */
    public NoSuchServerException(String message) {
        super(message);
    }

    /** An exception with the given message and cause. */
    public NoSuchServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
