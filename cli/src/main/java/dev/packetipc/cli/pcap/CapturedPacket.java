package dev.packetipc.cli.pcap;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;

/**
 * One packet read from a capture file: its timestamp in nanoseconds since the epoch, its captured bytes and the link
 * type of the interface it was captured on. It can be sent as it is.
 *
 * @param timestampNanos nanoseconds since the epoch
 * @param bytes the captured bytes (not copied; do not change them)
 * @param linkType the LINKTYPE_ value of its interface, e.g. 1 for Ethernet
 * @param originalLength the packet's length on the wire as the capture records it: more than {@code bytes.length}
 *     when the capture cut the packet to its snap length
 */
public record CapturedPacket(long timestampNanos, byte[] bytes, int linkType, long originalLength)
        implements AsIpcPacket {
    /**
     * A packet captured whole: its original length is its captured length.
     *
     * @param timestampNanos nanoseconds since the epoch
     * @param bytes the captured bytes (not copied; do not change them)
     * @param linkType the LINKTYPE_ value of its interface
     */
    public CapturedPacket(long timestampNanos, byte[] bytes, int linkType) {
        this(timestampNanos, bytes, linkType, bytes.length);
    }

    /**
     * Whether the capture cut this packet: its original length is larger than what was captured.
     *
     * @return true for a snap-truncated packet
     */
    public boolean truncated() {
        return originalLength > bytes.length;
    }

    @Override
    public ByteBuffer data() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    @Override
    public int length() {
        return bytes.length;
    }
}
