package dev.packetipc.cli.pcap;

import java.io.IOException;

/** A capture file that is not a valid pcap or pcapng file: the message names the file and the byte offset. */
public final class CaptureFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    /** A problem at {@code offset} bytes into the capture called {@code source}. */
    public CaptureFormatException(String source, long offset, String problem) {
        super(source + ": at byte offset " + offset + ": " + problem);
        this.offset = offset;
    }

    /** Where in the file the problem is. */
    public long offset() {
        return offset;
    }
}
