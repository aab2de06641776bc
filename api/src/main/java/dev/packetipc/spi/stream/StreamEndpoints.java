package dev.packetipc.spi.stream;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.wire.BatchDescriptor;
import dev.packetipc.wire.FrameDecoder;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import dev.packetipc.wire.RingDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Turns a connected {@link StreamChannel} into a {@link Connection} (server side) or a {@link Client} (client side)
 * by running the handshake of {@code docs/wire-format.md} §2. This is the whole stream engine's entry point: a stream
 * transport accepts or connects a channel with its system's calls and hands it here.
 *
 * <p>On any failure the channel is closed before the exception is thrown.
 */
public final class StreamEndpoints {
    private static final int CLIENT_FRAME_BYTES = FrameDescriptor.MIN_MAX_FRAME_BYTES;
    /** A client's input buffer for the handshake, and for good when the packet ring carries the batches. */
    private static final int HANDSHAKE_INPUT_BYTES = 4096;
    /** A client's input buffer when batches come on the stream (it reads them in chunks of up to this). */
    private static final int STREAM_INPUT_BYTES = 1 << 20;
    /** How long a client whose HELLO could not be written looks for the REJECT that may explain why. */
    private static final long REJECT_READ_NANOS = 1_000_000_000L;

    private StreamEndpoints() {}

    /**
     * Refuses options the stream engine cannot honour, so that a misconfiguration fails where it is made rather than
     * going unnoticed. A transport calls this when it creates a server or connects; {@link #connect} and {@link
     * #accept} call it too.
     *
     * <p>Refused: {@link IpcOptions#BUFFER_BYTES} set explicitly. A stream connection has no queue between sender
     * and receiver that could be sized to it: what a slow client lets the server run ahead by is the operating
     * system's socket or pipe buffer (on Linux about 200 KiB for a Unix domain socket; 64 KiB for the Windows pipe),
     * the engine's fixed buffers (the server's send buffer of at most 1 MiB, the client's receive buffer of at most
     * {@link IpcOptions#MAX_FRAME_BYTES}) and, for large payloads, the shared-memory region ({@link
     * IpcOptions#SHARED_MEMORY_BYTES}).
     *
     * @param options the options of the server being created or of the client connecting
     * @throws IllegalArgumentException naming the option and what to do instead
     */
    public static void checkOptions(IpcOptions options) {
        if (options.isSet(IpcOptions.BUFFER_BYTES)) {
            throw new IllegalArgumentException("IpcOptions.BUFFER_BYTES=" + options.get(IpcOptions.BUFFER_BYTES)
                    + " cannot be honoured by a stream transport (Unix domain sockets, Windows named pipes): what a"
                    + " slow client holds back is bounded by the system's socket or pipe buffer, the engine's fixed"
                    + " buffers (see IpcOptions.MAX_FRAME_BYTES) and the shared-memory region"
                    + " (IpcOptions.SHARED_MEMORY_BYTES); leave BUFFER_BYTES unset for this transport");
        }
    }

    /**
     * Server side: waits for the client's HELLO, answers WELCOME, and returns the connection. Blocks the calling
     * thread: each step (reading the HELLO, writing the answer) waits at most {@code timeoutNanos}; {@link
     * HandshakePool} runs this off the accepting thread.
     *
     * @param raw the accepted channel; the returned connection owns it, and it is closed if this throws
     * @param serverName the server's name, for messages
     * @param options the server's options
     * @param sharedMemory how to share regions with the client, or {@code null} to send every payload inline
     * @param timeoutNanos how long to wait for the HELLO, in nanoseconds
     * @return the server side of the connection, ready to send
     * @throws IpcException for the failures below, or {@link PeerGoneException} if the client went away during the
     *     handshake
     * @throws ProtocolException if the peer is not a packet-ipc client or speaks no common version (it was sent
     *     REJECT)
     * @throws IllegalArgumentException if {@link #checkOptions} refuses the options (the client was sent REJECT with
     *     the reason)
     * @throws IpcTimeoutException if no HELLO came in time
     */
    public static Connection accept(
            StreamChannel raw, String serverName, IpcOptions options, SharedMemory sharedMemory, long timeoutNanos)
            throws IpcException {
        LivenessChannel channel = new LivenessChannel(raw);
        FrameInput input = new FrameInput(channel, CLIENT_FRAME_BYTES, CLIENT_FRAME_BYTES);
        try {
            ByteBuffer hello;
            try {
                hello = awaitFrame(input, timeoutNanos, "the client's HELLO", serverName);
            } catch (ProtocolException e) {
                reject(channel, HandshakeDescriptor.REASON_PROTOCOL, e.getMessage());
                throw e;
            }
            try {
                checkOptions(options);
            } catch (IllegalArgumentException e) { // the server's own misconfiguration: tell the client why
                reject(channel, HandshakeDescriptor.REASON_REFUSED, "the server is misconfigured: " + e.getMessage());
                throw e;
            }
            short version;
            try {
                version = FrameDecoder.negotiate(hello, HandshakeDescriptor.VERSION_1, HandshakeDescriptor.VERSION_1);
            } catch (ProtocolException e) {
                boolean isHello = FrameDecoder.type(hello) == FrameDescriptor.TYPE_HELLO
                        && FrameDecoder.bodyInt(hello, HandshakeDescriptor.MAGIC_OFFSET) == HandshakeDescriptor.MAGIC;
                reject(
                        channel,
                        isHello ? HandshakeDescriptor.REASON_VERSION : HandshakeDescriptor.REASON_PROTOCOL,
                        e.getMessage());
                throw e;
            }
            int clientMaxFrame = FrameDecoder.peerMaxFrameBytes(hello);
            int flags = FrameDecoder.bodyInt(hello, HandshakeDescriptor.FLAGS_OFFSET);
            int clientLiveness;
            try {
                clientLiveness = FrameDecoder.livenessMillis(hello);
            } catch (ProtocolException e) {
                reject(channel, HandshakeDescriptor.REASON_PROTOCOL, e.getMessage());
                throw e;
            }
            int serverLiveness = livenessMillis(options);
            boolean liveness = clientLiveness > 0 && serverLiveness > 0;
            PacketRing ring = (flags & HandshakeDescriptor.FLAG_RING) != 0
                    ? createRing(sharedMemory, options.get(IpcOptions.RING_BYTES))
                    : null;
            Map<String, String> properties = (flags & HandshakeDescriptor.FLAG_PROPERTIES) != 0
                    ? options.get(IpcOptions.STREAM_PROPERTIES)
                    : Map.of();
            ByteBuffer welcome = ByteBuffer.allocate(64);
            int welcomeFlags = (ring == null ? 0 : HandshakeDescriptor.FLAG_RING)
                    | (properties.isEmpty() ? 0 : HandshakeDescriptor.FLAG_PROPERTIES);
            if (liveness) {
                FrameEncoder.encodeWelcomeWithLiveness(
                        welcome, version, CLIENT_FRAME_BYTES, welcomeFlags, serverLiveness);
            } else {
                FrameEncoder.encodeWelcome(welcome, version, CLIENT_FRAME_BYTES, welcomeFlags);
            }
            try {
                writeFully(channel, welcome.flip(), timeoutNanos);
                if (ring != null) {
                    announceRing(channel, sharedMemory, ring, timeoutNanos);
                }
                if (!properties.isEmpty()) { // after RING: §7 keeps RING the very next frame after WELCOME
                    ByteBuffer frame = ByteBuffer.allocate(FrameDescriptor.MIN_MAX_FRAME_BYTES);
                    FrameEncoder.encodeProperties(frame, properties);
                    writeFully(channel, frame.flip(), timeoutNanos);
                }
            } catch (IOException | RuntimeException e) {
                if (ring != null) {
                    ring.close();
                }
                throw e;
            }
            // a multiple of 8, as every frame's length is: an unaligned maximum (the option allows one) is in effect
            // rounded down, or a packet of maxPacketBytes() would need a frame longer than the maximum
            int maxFrameBytes =
                    Math.min(clientMaxFrame, options.get(IpcOptions.MAX_FRAME_BYTES)) & -FrameDescriptor.ALIGNMENT;
            if (ring != null) {
                maxFrameBytes = Math.min(maxFrameBytes, ring.maxRecordLength());
            }
            int regionBytes = options.get(IpcOptions.SHARED_MEMORY_BYTES);
            SharedPayloads shared =
                    sharedMemory != null && regionBytes > 0 && (flags & HandshakeDescriptor.FLAG_SHARED_MEMORY) != 0
                            ? new SharedPayloads(
                                    sharedMemory,
                                    options.get(IpcOptions.SHARED_MEMORY_THRESHOLD),
                                    BatchDescriptor.maxInlinePayload(maxFrameBytes),
                                    regionBytes)
                            : null;
            StreamConnection connection = new StreamConnection(
                    channel,
                    serverName,
                    maxFrameBytes,
                    shared,
                    ring,
                    options.get(IpcOptions.IDLE_STRATEGY),
                    options.get(IpcOptions.MAX_PACKET_BYTES));
            if (liveness) {
                channel.watch(
                        millisToNanos(serverLiveness),
                        heartbeatIntervalNanos(clientLiveness, serverLiveness),
                        "the client of " + serverName);
            }
            return connection;
        } catch (IpcException | RuntimeException e) {
            channel.close();
            throw e;
        } catch (IOException e) {
            channel.close();
            throw new PeerGoneException("a client of " + serverName + " went away during the handshake: " + e, e);
        }
    }

    /**
     * Server side: the ring the client offered, or {@code null} to keep batches on the stream (the ring is off here,
     * or this system cannot share writable memory, or creating it failed: then the reason is logged).
     */
    private static PacketRing createRing(SharedMemory sharedMemory, int ringBytes) {
        if (ringBytes == 0 || sharedMemory == null || !sharedMemory.sharesWritable()) {
            return null;
        }
        SharedMemory.SharedRegion region = null;
        try {
            region = sharedMemory.createWritable(RingDescriptor.HEADER_LENGTH + (long) ringBytes);
            return PacketRing.create(region.buffer(), ringBytes, region);
        } catch (IOException | RuntimeException e) {
            if (region != null) {
                region.close();
            }
            System.getLogger(StreamEndpoints.class.getName())
                    .log(
                            System.Logger.Level.WARNING,
                            "the packet ring of " + ringBytes + " bytes cannot be created; batches go on the stream: "
                                    + e);
            return null;
        }
    }

    /** Server side: the RING frame, right after the WELCOME, with the region's descriptor out of band. */
    private static void announceRing(
            LivenessChannel channel, SharedMemory sharedMemory, PacketRing ring, long timeoutNanos) throws IOException {
        int handle = sharedMemory.share(ring.owner(), channel.raw());
        ByteBuffer frame = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
        FrameEncoder.encodeRing(frame, handle, RingDescriptor.HEADER_LENGTH + (long) ring.capacity());
        writeFully(channel, frame.flip(), timeoutNanos);
    }

    /**
     * Client side: sends HELLO, waits for WELCOME, and returns the client. Blocks the calling thread: each step of
     * the handshake (writing the HELLO, reading the answer) waits at most {@code timeoutNanos}, and if the server
     * closed the connection before it read the HELLO, up to one more second for the REJECT that says why.
     *
     * @param raw the connected channel; the returned client owns it, and it is closed if this throws
     * @param serverName the server's name, for messages
     * @param options the client's options
     * @param sharedMemory how to map the server's regions, or {@code null} to receive every payload inline
     * @param timeoutNanos how long to wait for the server's answer, in nanoseconds
     * @return the client, ready to receive
     * @throws IpcException for the failures below, or {@link PeerGoneException} if the server went away during the
     *     handshake
     * @throws ProtocolException if the server refused or is not a packet-ipc server
     * @throws IpcTimeoutException if the server did not answer in time
     * @throws IllegalArgumentException if {@link #checkOptions} refuses the options; nothing was sent
     */
    public static Client connect(
            StreamChannel raw, String serverName, IpcOptions options, SharedMemory sharedMemory, long timeoutNanos)
            throws IpcException {
        LivenessChannel channel = new LivenessChannel(raw);
        int maxFrameBytes = options.get(IpcOptions.MAX_FRAME_BYTES);
        FrameInput input = new FrameInput(channel, HANDSHAKE_INPUT_BYTES, maxFrameBytes); // grows for larger frames
        try {
            checkOptions(options);
            ByteBuffer hello = ByteBuffer.allocate(64);
            boolean offerRing =
                    sharedMemory != null && options.get(IpcOptions.RING_BYTES) > 0 && sharedMemory.sharesWritable();
            int helloFlags = (sharedMemory == null ? 0 : HandshakeDescriptor.FLAG_SHARED_MEMORY)
                    | (offerRing ? HandshakeDescriptor.FLAG_RING : 0)
                    | HandshakeDescriptor.FLAG_PROPERTIES;
            int clientLiveness = livenessMillis(options);
            if (clientLiveness > 0) {
                FrameEncoder.encodeHelloWithLiveness(
                        hello,
                        HandshakeDescriptor.VERSION_1,
                        HandshakeDescriptor.VERSION_1,
                        maxFrameBytes,
                        helloFlags,
                        clientLiveness);
            } else {
                FrameEncoder.encodeHello(
                        hello, HandshakeDescriptor.VERSION_1, HandshakeDescriptor.VERSION_1, maxFrameBytes, helloFlags);
            }
            try {
                writeFully(channel, hello.flip(), timeoutNanos);
            } catch (IpcTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw rejectedBeforeHello(input, serverName, e);
            }
            ByteBuffer answer = awaitFrame(input, timeoutNanos, "the server's WELCOME", serverName);
            short version = FrameDecoder.welcome(answer); // a REJECT throws here, with the server's reason and text
            if (version != HandshakeDescriptor.VERSION_1) {
                throw new ProtocolException("the server " + serverName + " chose protocol version " + version
                        + ", which this client did not offer (it speaks " + HandshakeDescriptor.VERSION_1 + " only)");
            }
            FrameDecoder.peerMaxFrameBytes(answer);
            int welcomeFlags = FrameDecoder.bodyInt(answer, HandshakeDescriptor.FLAGS_OFFSET);
            int serverLiveness = FrameDecoder.livenessMillis(answer);
            if (serverLiveness > 0 && clientLiveness == 0) {
                throw new ProtocolException("the server " + serverName + " turned heartbeats on although this client"
                        + " did not offer them");
            }
            boolean ringOn = (welcomeFlags & HandshakeDescriptor.FLAG_RING) != 0;
            input.consume(answer.getInt(answer.position() + FrameDescriptor.LENGTH_OFFSET));
            PacketRing ring = null;
            if (ringOn) {
                if (!offerRing) {
                    throw new ProtocolException("the server " + serverName + " turned the packet ring on although this"
                            + " client did not offer it");
                }
                ring = openRing(channel, sharedMemory, input, timeoutNanos, serverName);
            }
            Map<String, String> properties = Map.of();
            try {
                if ((welcomeFlags & HandshakeDescriptor.FLAG_PROPERTIES) != 0) {
                    properties = readProperties(input, timeoutNanos, serverName);
                }
            } catch (IOException | RuntimeException e) {
                if (ring != null) {
                    ring.close();
                }
                throw e;
            }
            if (ring == null) { // batches come on the stream: read them in large chunks
                input.reserve(Math.min(maxFrameBytes, STREAM_INPUT_BYTES));
            }
            StreamClient client = new StreamClient(
                    serverName, channel, sharedMemory, input, ring, options.get(IpcOptions.IDLE_STRATEGY));
            client.setStreamProperties(properties);
            if (serverLiveness > 0) {
                channel.watch(
                        millisToNanos(clientLiveness),
                        heartbeatIntervalNanos(clientLiveness, serverLiveness),
                        "the server " + serverName);
            }
            return client;
        } catch (IpcException | RuntimeException e) {
            channel.close();
            throw e;
        } catch (IOException e) {
            channel.close();
            throw new PeerGoneException(
                    "the server " + serverName + " went away during the handshake (it may have refused this"
                            + " process, or crashed): " + e.getMessage(),
                    e);
        }
    }

    /**
     * This side's {@link IpcOptions#LIVENESS_TIMEOUT} in milliseconds as the handshake carries it, 0 when off. The
     * option's range (at most 60 s) fits the WELCOME's u16.
     */
    private static int livenessMillis(IpcOptions options) {
        return (int)
                Math.min(options.get(IpcOptions.LIVENESS_TIMEOUT).toMillis(), HandshakeDescriptor.MAX_LIVENESS_MILLIS);
    }

    private static long millisToNanos(int millis) {
        return millis * 1_000_000L;
    }

    /** Wire format §8: each side sends a heartbeat every quarter of the smaller of the two time-outs. */
    static long heartbeatIntervalNanos(int clientMillis, int serverMillis) {
        return millisToNanos(Math.min(clientMillis, serverMillis)) / 4;
    }

    /** Client side: reads the RING frame that follows a WELCOME with the ring flag, and maps the ring. */
    private static PacketRing openRing(
            LivenessChannel channel, SharedMemory sharedMemory, FrameInput input, long timeoutNanos, String serverName)
            throws IOException {
        ByteBuffer frame = awaitFrame(input, timeoutNanos, "the server's RING", serverName);
        if (FrameDecoder.type(frame) != FrameDescriptor.TYPE_RING) {
            throw new ProtocolException("the server " + serverName + " sent a frame of type=0x"
                    + Integer.toHexString(FrameDecoder.type(frame) & 0xff) + " where its WELCOME promised RING");
        }
        int handle = FrameDecoder.bodyInt(frame, HandshakeDescriptor.REGION_HANDLE_OFFSET);
        long size = FrameDecoder.bodyLong(frame, HandshakeDescriptor.REGION_VALUE_OFFSET);
        if (FrameDecoder.bodyInt(frame, HandshakeDescriptor.REGION_ID_OFFSET) != 0) {
            throw new ProtocolException("the server " + serverName + " sent a RING frame with a non-zero reserved"
                    + " field, which version 1 does not define");
        }
        if (size < RingDescriptor.HEADER_LENGTH + (long) RingDescriptor.MIN_CAPACITY
                || size > RingDescriptor.HEADER_LENGTH + (long) RingDescriptor.MAX_CAPACITY) {
            throw new ProtocolException("the server " + serverName + " announced a ring of size="
                    + Long.toUnsignedString(size) + ", outside what version 1 allows");
        }
        input.consume(FrameDescriptor.HEADER_LENGTH + HandshakeDescriptor.REGION_BODY_LENGTH);
        ByteBuffer mapped = sharedMemory.openWritable(channel.raw(), handle, size);
        return PacketRing.open(mapped, size);
    }

    /** Client side: reads the PROPERTIES frame that follows a WELCOME with the properties flag (and RING, if any). */
    private static Map<String, String> readProperties(FrameInput input, long timeoutNanos, String serverName)
            throws IOException {
        ByteBuffer frame = awaitFrame(input, timeoutNanos, "the server's PROPERTIES", serverName);
        Map<String, String> properties;
        try {
            properties = FrameDecoder.properties(frame);
        } catch (ProtocolException e) {
            throw new ProtocolException(
                    "the server " + serverName + " sent malformed stream properties: " + e.getMessage(), e);
        }
        input.consume(frame.getInt(frame.position() + FrameDescriptor.LENGTH_OFFSET));
        return properties;
    }

    /**
     * The HELLO could not be written because the server closed the connection. A server may refuse a client before
     * it reads the HELLO (for its credentials, say): then its REJECT is waiting to be read, and its reason is what the
     * client must report (wire format §2).
     */
    private static IOException rejectedBeforeHello(FrameInput input, String serverName, IOException writeFailure) {
        try {
            ByteBuffer answer = awaitFrame(input, REJECT_READ_NANOS, "the server's REJECT", serverName);
            FrameDecoder.welcome(answer); // a REJECT throws here, with the server's reason and text
            return new ProtocolException("the server " + serverName + " answered before it read the HELLO and then"
                    + " closed the connection; it is not a packet-ipc server of a compatible version");
        } catch (ProtocolException e) {
            return e;
        } catch (IOException e) {
            return writeFailure;
        }
    }

    /**
     * Server side: refuses a client before the handshake, for instance for its credentials, with a REJECT it can show
     * its user, then closes the channel. Never blocks and never throws.
     *
     * @param channel the accepted channel, closed on return
     * @param text why, for the client's user; cut to {@link HandshakeDescriptor#MAX_TEXT_LENGTH} bytes of UTF-8
     */
    public static void refuse(StreamChannel channel, String text) {
        reject(channel, HandshakeDescriptor.REASON_REFUSED, text);
        channel.close();
    }

    private static void reject(StreamChannel channel, int reason, String text) {
        try {
            ByteBuffer frame = ByteBuffer.allocate(64 + HandshakeDescriptor.MAX_TEXT_LENGTH);
            FrameEncoder.encodeReject(frame, reason, text);
            channel.write(new ByteBuffer[] {frame.flip()}, 0);
        } catch (IOException | RuntimeException e) {
            // best effort: the peer may be gone or not reading
        }
    }

    private static ByteBuffer awaitFrame(FrameInput input, long timeoutNanos, String what, String serverName)
            throws IOException {
        long deadline = Deadlines.after(timeoutNanos);
        while (true) {
            if (input.frame() > 0) {
                return input.buffer();
            }
            int n = input.fill(Deadlines.left(deadline));
            if (n < 0) {
                throw new PeerGoneException("the peer closed the connection to " + serverName + " while waiting for "
                        + what + "; if this is a client, the server may have refused this process (see the"
                        + " server's log)");
            }
            if (n == 0 && Deadlines.left(deadline) == 0) {
                throw new IpcTimeoutException("waited " + (timeoutNanos / 1_000_000) + " ms in vain for " + what
                        + " on the connection to " + serverName + "; the peer is not a packet-ipc endpoint, or it is"
                        + " stuck (raise IpcOptions.CONNECT_TIMEOUT if it is only slow)");
            }
        }
    }

    private static void writeFully(StreamChannel channel, ByteBuffer buffer, long timeoutNanos) throws IOException {
        long deadline = Deadlines.after(timeoutNanos);
        ByteBuffer[] buffers = {buffer.order(ByteOrder.LITTLE_ENDIAN)};
        while (buffer.hasRemaining()) {
            if (channel.write(buffers, Deadlines.left(deadline)) == 0 && Deadlines.left(deadline) == 0) {
                throw new IpcTimeoutException("the handshake could not be written within " + (timeoutNanos / 1_000_000)
                        + " ms; the peer is not reading");
            }
        }
    }
}
