package dev.packetipc;

import java.nio.ByteBuffer;

/**
 * A packet a {@link Client} received.
 *
 * <p>Packets in the lists that {@link Client#receivePackets(int)} returns belong to the caller and may be kept.
 * The packet handed to a {@link PacketHandler} by {@link Client#poll(PacketHandler, int)} is a reused flyweight
 * that is valid only inside the callback: call {@link #toPacket()} to keep it.
 */
public interface IpcPacket extends AsIpcPacket {
    /** Copies the payload into a new array. */
    default byte[] toByteArray() {
        ByteBuffer data = data();
        byte[] bytes = new byte[data.remaining()];
        data.get(data.position(), bytes);
        return bytes;
    }

    /** An owned copy of this packet that stays valid after the callback returns. */
    default Packet toPacket() {
        return Packet.of(timestampNanos(), toByteArray());
    }
}
