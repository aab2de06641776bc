package com.example.quickstart;

import dev.packetipc.AsIpcPacket;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** A running count and CRC32C of packets (timestamp and payload), printed by both programs so they can be compared. */
final class PacketChecksum {
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer timestamp = ByteBuffer.allocate(Long.BYTES);
    private long packets;
    private long bytes;

    void add(AsIpcPacket packet) {
        timestamp.clear();
        crc.update(timestamp.putLong(packet.timestampNanos()).flip());
        crc.update(packet.data().duplicate()); // a view of our own: reading it moves nothing of the packet
        packets++;
        bytes += packet.length();
    }

    @Override
    public String toString() {
        return packets + " packets, " + bytes + " bytes, crc32c " + Long.toHexString(crc.getValue());
    }
}
