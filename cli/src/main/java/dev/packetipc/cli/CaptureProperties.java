package dev.packetipc.cli;

import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CapturedPacket;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code serve} and {@code demo} tell every client about the capture they stream, as stream properties: the
 * link type (so that {@code receive} needs no {@code --linktype}), the snap length, the format and the file's name.
 * Original lengths of packets the capture cut to its snap length do not travel (a packet carries its timestamp and
 * its bytes only): both sides say so when it matters.
 */
final class CaptureProperties {
    /** The LINKTYPE_ value of the packets, a decimal number 0 to 65535. */
    static final String LINK_TYPE = "pcap.linktype";
    /** The capture's snap length in bytes, a decimal number; absent when the capture declares no limit. */
    static final String SNAP_LENGTH = "pcap.snaplen";
    /** pcap or pcapng. */
    static final String FORMAT = "pcap.format";
    /** The capture file's name (without its directory), or {@code -} for standard input. */
    static final String SOURCE = "pcap.source";

    /** Longest file name sent, in bytes of UTF-8; a longer one is cut (the properties have a size limit). */
    private static final int MAX_SOURCE_BYTES = 255;

    private CaptureProperties() {}

    /** The properties of a capture whose packets have this link type. */
    static Map<String, String> of(CaptureReader capture, int linkType, String path) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(LINK_TYPE, Integer.toString(linkType));
        if (capture.snapLength() > 0) {
            properties.put(SNAP_LENGTH, Long.toString(capture.snapLength()));
        }
        properties.put(FORMAT, capture.format());
        properties.put(SOURCE, fileName(path));
        return properties;
    }

    private static String fileName(String path) {
        String name = path;
        if (!"-".equals(path)) {
            try {
                Path fileName = Path.of(path).getFileName();
                name = fileName == null ? path : fileName.toString();
            } catch (InvalidPathException e) {
                // keep the path as given
            }
        }
        StringBuilder cut = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            String one = new String(Character.toChars(cp));
            int n = one.getBytes(StandardCharsets.UTF_8).length;
            if (Character.isSurrogate(one.charAt(0)) || bytes + n > MAX_SOURCE_BYTES) {
                break; // a lone surrogate (an undecodable file name) cannot travel; neither can more than the cap
            }
            cut.append(one);
            bytes += n;
            i += Character.charCount(cp);
        }
        return cut.toString();
    }

    /**
     * The sending side's watch over packets the capture cut to its snap length: the first one met is noted on
     * {@code err} at once, in one line, with what it means for the receiver.
     */
    static final class SnapNotice {
        private final String command;
        private final PrintStream err;
        private long truncated;

        SnapNotice(String command, PrintStream err) {
            this.command = command;
            this.err = err;
        }

        void check(CapturedPacket packet, long index) {
            if (packet.truncated() && truncated++ == 0) {
                err.println(command + ": note: packet " + index + " was cut to the capture's snap length ("
                        + packet.length() + " of its " + packet.originalLength() + " bytes); original lengths do"
                        + " not travel on a packet-ipc stream, so a receiver writes the captured length as the"
                        + " original length of such packets");
            }
        }

        /** How many packets so far were cut to the snap length. */
        long truncated() {
            return truncated;
        }
    }

    /** A capture packet larger than the stream carries: the command stops sending, as at damage in the file. */
    static final class PacketTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        PacketTooLarge(String source, long index, int length, int limit, String transport) {
            super(source + ": packet " + index + " has " + length + " captured bytes (" + Units.bytes(length)
                    + "), more than the largest packet the '" + transport + "' transport carries, " + limit
                    + " bytes (" + Units.bytes(limit) + ")");
        }
    }
}
