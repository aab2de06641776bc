package dev.packetipc;

/**
 * Receives packets from {@link Client#poll(PacketHandler, int)} without any allocation per packet.
 *
 * <p>The packet is a flyweight that the client reuses for the next packet: it and its {@link IpcPacket#data()}
 * buffer are valid only until {@code onPacket} returns. Copy what you need to keep ({@link IpcPacket#toPacket()}).
 */
@FunctionalInterface
public interface PacketHandler {
    /**
     * Called once per packet, in order. An exception thrown here propagates out of {@code poll} unchanged; the packet
     * and those before it count as consumed, and the next {@code poll} continues after it (see
     * {@link Client#poll(PacketHandler, int)}).
     *
     * @param packet a flyweight valid only during this call; copy it ({@link IpcPacket#toPacket()}) to keep it
     */
    void onPacket(IpcPacket packet);
}
