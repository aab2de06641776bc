package dev.packetipc;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The receiving side: a stream of packets from one server connection, ended by an end-of-stream.
 *
 * <p>Two ways to receive:
 *
 * <ul>
 *   <li>{@link #receivePackets(int)}, as in Rust's packet-ipc: a list of owned packets the caller may keep;
 *   <li>{@link #poll(PacketHandler, int)}, as in Aeron: one reused flyweight per packet, no allocation per packet,
 *       each packet valid only inside the callback.
 * </ul>
 *
 * <p>One thread receives at a time; {@link #close()} may be called from any thread and wakes a blocked receive with
 * a {@link ClosedException}.
 */
public interface Client extends AutoCloseable {
    /** Returned by {@code poll} once the end of the stream was reached and everything before it was handed out. */
    int END_OF_STREAM = -1;

    /**
     * The name of the server this client is connected to.
     *
     * @return the server's name, as given to {@code connect}
     */
    String name();

    /**
     * Receives up to {@code maxPackets} packets, blocking only until at least one packet or the end is there. After
     * the end of the stream it returns what is still buffered, then {@link Optional#empty()} on every later call.
     *
     * @param maxPackets the most packets to return, at least 1
     * @return 1 to {@code maxPackets} owned packets in order, or empty once the stream has ended and was drained
     * @throws PeerGoneException if the server went away without sending the end (after what arrived was drained)
     * @throws ClosedException if this client is or gets closed
     */
    Optional<List<IpcPacket>> receivePackets(int maxPackets) throws IpcException;

    /**
     * As {@link #receivePackets(int)}, waiting at most {@code timeout}.
     *
     * @param maxPackets the most packets to return, at least 1
     * @param timeout the longest wait for the first packet or the end
     * @return 1 to {@code maxPackets} owned packets in order, or empty once the stream has ended and was drained
     * @throws PeerGoneException if the server went away without sending the end (after what arrived was drained)
     * @throws ClosedException if this client is or gets closed
     * @throws IpcTimeoutException if neither a packet nor the end arrived in time
     */
    Optional<List<IpcPacket>> receivePackets(int maxPackets, Duration timeout) throws IpcException;

    /**
     * Hands up to {@code limit} packets that are already there to {@code handler}, without blocking and without
     * allocating per packet.
     *
     * <p>If the handler throws, the exception propagates out of {@code poll} unchanged, and every packet handed to
     * the handler so far, the one whose callback threw included, counts as consumed: it is never handed out again,
     * and the transport may reuse its memory. The client stays usable: the next {@code poll} or {@code receivePackets}
     * continues with the packet after the one whose callback threw, and the rest of the stream and its end arrive
     * exactly once, in order.
     *
     * @param handler called once per packet, in order, with a flyweight valid only during the call
     * @param limit the most packets to hand out, at least 1
     * @return how many packets were handed out (0 when none was there), or {@link #END_OF_STREAM} once the stream has
     *     ended and everything was handed out
     * @throws PeerGoneException if the server went away without sending the end (after what arrived was handed out)
     * @throws ClosedException if this client is or gets closed
     */
    int poll(PacketHandler handler, int limit) throws IpcException;

    /**
     * As {@link #poll(PacketHandler, int)}, but waits at most {@code timeout} for the first packet.
     *
     * @param handler called once per packet, in order, with a flyweight valid only during the call
     * @param limit the most packets to hand out, at least 1
     * @param timeout the longest wait for the first packet or the end
     * @return the packets handed out, 0 if none arrived in time, or {@link #END_OF_STREAM}
     * @throws PeerGoneException if the server went away without sending the end (after what arrived was handed out)
     * @throws ClosedException if this client is or gets closed
     */
    int poll(PacketHandler handler, int limit, Duration timeout) throws IpcException;

    /**
     * The packets as a lazy, sequential stream of owned packets that ends at the end of the stream. Failures surface
     * as {@link java.io.UncheckedIOException} wrapping the {@link IpcException}. Closing the stream closes the
     * client.
     *
     * @return the stream of the packets still to arrive
     */
    Stream<IpcPacket> stream();

    /**
     * Whether the end of the stream has arrived (there may still be packets to drain).
     *
     * @return true once the end has arrived
     */
    boolean isEndOfStreamReceived();

    /**
     * A snapshot of what this client has handed out, for monitoring: safe to call from any thread, also after close.
     * The default, for clients that do not count, reports {@code -1} packets and bytes.
     *
     * @return the counters now
     */
    default ClientMetrics metrics() {
        return new ClientMetrics(-1, -1, isEndOfStreamReceived());
    }

    /**
     * The properties the server attached to this stream ({@link IpcOptions#STREAM_PROPERTIES}), sent once in the
     * handshake: an unmodifiable map in the server's order, empty if it attached none. Transports that connect only
     * once the server has accepted (Unix, Windows, shm, in-process) have them when {@code connect} returns; on those
     * whose {@code connect} returns earlier (Aeron) the first call waits until the server accepts, at most the
     * client's {@link IpcOptions#CONNECT_TIMEOUT}, without consuming any packet. The default, for transports that do
     * not declare {@link TransportCapability#STREAM_PROPERTIES}, is an empty map (a default method, so that a
     * transport written before properties existed still compiles and works; the capability says whether the map is
     * real).
     *
     * @return the stream's properties, unmodifiable
     * @throws IpcTimeoutException if the server did not accept within the connect timeout (Aeron)
     * @throws PeerGoneException if the server went away before it sent them (Aeron)
     * @throws ProtocolException if the server sent them malformed (Aeron)
     * @throws ClosedException if this client is closed before they arrived (Aeron)
     */
    default Map<String, String> properties() throws IpcException {
        return Map.of();
    }

    /** Releases the client. Idempotent. */
    @Override
    void close();
}
