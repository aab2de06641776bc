package dev.packetipc.spi;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Connection;
import java.util.List;

/**
 * The check every transport makes before it writes anything of a batch: no packet larger than the connection's
 * {@link Connection#maxPacketBytes()}, with one message for the refusal on every transport.
 */
public final class PacketLimits {
    private PacketLimits() {}

    /**
     * Checks the whole batch against the limit; call it before anything of the batch is written.
     *
     * @param batch the batch about to be sent
     * @param maxPacketBytes the connection's largest payload
     * @param remedy what the user can raise instead of splitting the payload, e.g. {@code "raise
     *     IpcOptions.MAX_PACKET_BYTES on the server"}
     * @throws IllegalArgumentException for the first packet larger than the limit, naming it (its index in the
     *     batch, as {@code #3}), its size, the limit and what to do
     */
    public static void check(List<? extends AsIpcPacket> batch, int maxPacketBytes, String remedy) {
        for (int i = 0, size = batch.size(); i < size; i++) {
            int length = batch.get(i).length();
            if (length > maxPacketBytes) {
                throw tooLarge(i, length, maxPacketBytes, remedy);
            }
        }
    }

    /**
     * The refusal of a batch whose packet {@code #index} is too large.
     *
     * @param index the packet's index in the batch
     * @param length its payload's size
     * @param maxPacketBytes the connection's largest payload
     * @param remedy what the user can raise instead of splitting the payload
     * @return the exception to throw, its message naming the packet, its size, the limit and what to do
     */
    public static IllegalArgumentException tooLarge(int index, int length, int maxPacketBytes, String remedy) {
        return new IllegalArgumentException("packet #" + index + " of the batch has " + length + " bytes, more than"
                + " the " + maxPacketBytes + " bytes this connection sends at most (Connection.maxPacketBytes());"
                + " nothing of the batch was sent and the connection is still usable: split the payload, or "
                + remedy);
    }
}
