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
 */
public record CapturedPacket(long timestampNanos, byte[] bytes, int linkType) implements AsIpcPacket {
    @Override
    public ByteBuffer data() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    @Override
    public int length() {
        return bytes.length;
    }
}
