package dev.packetipc;

import java.nio.ByteBuffer;

/**
 * A packet a {@link Client} received.
 *
 * <p>Packets in the lists that {@link Client#receivePackets(int)} returns belong to the caller and may be kept.
 * The packet handed to a {@link PacketHandler} by {@link Client#poll(PacketHandler, int)} is a reused flyweight
 * that is valid only inside the callback: call {@link #toPacket()} to keep it.
 *
 * <p>With transports that receive in place ({@code ZERO_COPY_RECEIVE}), {@link #data()} of such a packet is a view of
 * memory the transport shares with the sender and unmaps when the client closes. Do not keep that buffer, nor a
 * {@code slice()} or {@code duplicate()} of it, past the callback: later its bytes belong to other packets, and after
 * the client is closed reading it may crash the JVM.
 */
public interface IpcPacket extends AsIpcPacket {
    /**
     * Copies the payload into a new array.
     *
     * @return a new array with the payload's bytes
     */
    default byte[] toByteArray() {
        ByteBuffer data = data();
        byte[] bytes = new byte[data.remaining()];
        data.get(data.position(), bytes);
        return bytes;
    }

    /**
     * An owned copy of this packet that stays valid after the callback returns.
     *
     * @return a copy of the timestamp and payload
     */
    default Packet toPacket() {
        return Packet.of(timestampNanos(), toByteArray());
    }
}
