package dev.packetipc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * The server's side of one client: it sends batches of packets, then the end of the stream, then closes.
 *
 * <p>One thread sends at a time; {@link #close()} may be called from any thread. The packets of a batch may be reused
 * by the caller as soon as {@code send} returns.
 */
public interface Connection extends AutoCloseable {
    /**
     * Sends one batch. Blocks while the client lags by more than the transport's buffer (backpressure).
     *
     * <p>The batch is checked whole before anything of it is sent: if a packet is larger than
     * {@link #maxPacketBytes()}, this throws {@link IllegalArgumentException} (naming the packet, its size and the
     * limit), nothing of the batch reaches the client, and the connection stays usable for the next batch.
     *
     * @param batch the packets, in order; an empty batch sends nothing
     * @throws IllegalArgumentException if a packet is larger than {@link #maxPacketBytes()}; nothing was sent
     * @throws PeerGoneException if the client went away
     * @throws ClosedException if this connection was closed or the end was already sent
     */
    void send(List<? extends AsIpcPacket> batch) throws IpcException;

    /**
     * Sends one batch, waiting at most {@code timeout} for the client to make room. Checks the batch whole first, as
     * {@link #send(List)} does.
     *
     * @param batch the packets, in order; an empty batch sends nothing
     * @param timeout the longest wait for the client to make room
     * @throws IllegalArgumentException if a packet is larger than {@link #maxPacketBytes()}; nothing was sent
     * @throws IpcTimeoutException if the client did not make room in time. The batch may have been sent in part, a
     *     prefix of it in order (the message says what was sent where the transport knows); a transport that had to
     *     cut a frame short closes the connection, so check {@link #isOpen()} before sending more
     */
    void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException;

    /**
     * Tells the client that no more packets follow. The client drains what it has, then sees the end. Later sends
     * fail; a second call does nothing.
     *
     * <p>The end travels behind the batches sent before it, so this blocks as {@link #send(List)} does while the
     * client lags by more than the transport's buffer, without limit; {@link #sendEnd(Duration)} bounds the wait.
     *
     * @throws PeerGoneException if the client went away
     * @throws ClosedException if this connection was closed
     */
    void sendEnd() throws IpcException;

    /**
     * As {@link #sendEnd()}, waiting at most {@code timeout} for the client to make room for the end (and for
     * another thread's send on this connection to finish).
     *
     * @param timeout the longest wait
     * @throws IpcTimeoutException if the end could not be sent in time. If the transport had begun to write it, the
     *     connection is closed and the client sees a {@link PeerGoneException} after what arrived; otherwise nothing
     *     changed and the call may be repeated. {@link #isOpen()} tells which
     */
    void sendEnd(Duration timeout) throws IpcException;

    /**
     * Sends every packet of the stream in batches of {@code batchSize}, then the end of the stream.
     *
     * @param packets the packets to send, in order; the stream is closed when this returns
     * @param batchSize the most packets per batch, at least 1
     * @return the number of packets sent
     * @throws IllegalArgumentException if {@code batchSize} is less than 1, or a packet is larger than
     *     {@link #maxPacketBytes()}
     * @throws IpcException if a send or the end fails, as in {@link #send(List)} and {@link #sendEnd()}
     */
    default long transfer(Stream<? extends AsIpcPacket> packets, int batchSize) throws IpcException {
        Objects.requireNonNull(packets, "packets");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        List<AsIpcPacket> batch = new ArrayList<>(batchSize);
        long count = 0;
        try (Stream<? extends AsIpcPacket> stream = packets) {
            var iterator = stream.iterator();
            while (iterator.hasNext()) {
                batch.add(iterator.next());
                if (batch.size() == batchSize) {
                    send(batch);
                    count += batch.size();
                    batch.clear();
                }
            }
        }
        if (!batch.isEmpty()) {
            send(batch);
            count += batch.size();
        }
        sendEnd();
        return count;
    }

    /**
     * A {@link Flow.Subscriber} that sends what a publisher emits in batches of {@code batchSize}, asking for one
     * batch at a time (so a slow client slows the publisher), and sends the end when the publisher completes.
     *
     * @param batchSize the most packets per batch, at least 1
     * @return a new subscriber sending on this connection
     */
    default PacketSubscriber subscriber(int batchSize) {
        return new PacketSubscriber(this, batchSize);
    }

    /**
     * The largest packet payload this connection sends, in bytes: {@link #send(List)} refuses a batch with a larger
     * packet whole. It is the server's {@link IpcOptions#MAX_PACKET_BYTES} (default 16 MiB), or less where the
     * transport's other options or medium allow less: for the stream transports (Unix domain sockets, Windows named
     * pipes) what fits in a frame of {@link IpcOptions#MAX_FRAME_BYTES} (as agreed with the client) or in the
     * shared-memory region of {@link IpcOptions#SHARED_MEMORY_BYTES}, whichever is larger; for Aeron one message of
     * its term length. It does not change during the connection's life, except that it drops to what fits in a frame
     * if a stream transport's shared-memory region cannot be created when a packet first needs it.
     *
     * @return the largest payload {@link #send(List)} accepts, at least 1
     */
    int maxPacketBytes();

    /**
     * Packets sent so far.
     *
     * @return the number of packets sent
     */
    long packetsSent();

    /**
     * Payload bytes sent so far.
     *
     * @return the number of payload bytes sent, without any framing
     */
    long bytesSent();

    /**
     * Non-empty batches sent so far.
     *
     * @return the number of non-empty batches sent
     */
    long batchesSent();

    /**
     * A snapshot of this connection's counters, for monitoring: safe to call from any thread, also after close. The
     * default has what every connection counts, and {@code -1} for what only some transports measure.
     *
     * @return the counters now
     */
    default ConnectionMetrics metrics() {
        return new ConnectionMetrics(packetsSent(), bytesSent(), batchesSent(), -1, -1, isOpen());
    }

    /**
     * Whether the connection is open (not closed by this side and the peer not known to be gone).
     *
     * @return true while sends can succeed
     */
    boolean isOpen();

    /**
     * Releases the connection. Without a prior {@link #sendEnd()} the client sees a {@link PeerGoneException} after
     * it has drained what arrived. Idempotent.
     *
     * <p>What it waits for, by transport: after the end of the stream was sent, the stream transports (Unix domain
     * sockets, Windows named pipes) wait until the client has closed its side, which a receiving client does as soon
     * as it has read the end, and at most 2 seconds, so that the client can read the end and return the shared
     * memory it holds before the connection goes; without the end, and while another thread is in {@code send}, they
     * do not wait. The in-process transport never waits. Other transports document their own bound.
     */
    @Override
    void close();
}
