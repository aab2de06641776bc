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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns a connected {@link StreamChannel} into a {@link Connection} (server side) or a {@link Client} (client side)
 * by running the handshake of {@code docs/wire-format.md} §2. This is the whole stream engine's entry point: a stream
 * transport accepts or connects a channel with its system's calls and hands it here.
 *
 * <p>On any failure the channel is closed before the exception is thrown.
 */
public final class StreamEndpoints {
    private static final int CLIENT_FRAME_BYTES = FrameDescriptor.MIN_MAX_FRAME_BYTES;

    private StreamEndpoints() {}

    /**
     * Server side: waits for the client's HELLO, answers WELCOME, and returns the connection.
     *
     * @param serverName the server's name, for messages
     * @param sharedMemory how to share regions with the client, or {@code null} to send every payload inline
     * @param timeoutNanos how long to wait for the HELLO
     * @throws ProtocolException if the peer is not a packet-ipc client or speaks no common version (it was sent
     *     REJECT)
     * @throws IpcTimeoutException if no HELLO came in time
     */
    public static Connection accept(
            StreamChannel channel, String serverName, IpcOptions options, SharedMemory sharedMemory, long timeoutNanos)
            throws IpcException {
        FrameInput input = new FrameInput(channel, CLIENT_FRAME_BYTES, CLIENT_FRAME_BYTES);
        try {
            ByteBuffer hello;
            try {
                hello = awaitFrame(input, timeoutNanos, "the client's HELLO", serverName);
            } catch (ProtocolException e) {
                reject(channel, HandshakeDescriptor.REASON_PROTOCOL, e.getMessage());
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
            ByteBuffer welcome = ByteBuffer.allocate(64);
            FrameEncoder.encodeWelcome(welcome, version, CLIENT_FRAME_BYTES);
            writeFully(channel, welcome.flip(), timeoutNanos);
            int maxFrameBytes = Math.min(clientMaxFrame, options.get(IpcOptions.MAX_FRAME_BYTES));
            int regionBytes = options.get(IpcOptions.SHARED_MEMORY_BYTES);
            SharedPayloads shared =
                    sharedMemory != null && regionBytes > 0 && (flags & HandshakeDescriptor.FLAG_SHARED_MEMORY) != 0
                            ? new SharedPayloads(
                                    sharedMemory,
                                    options.get(IpcOptions.SHARED_MEMORY_THRESHOLD),
                                    BatchDescriptor.maxInlinePayload(maxFrameBytes),
                                    regionBytes)
                            : null;
            return new StreamConnection(channel, serverName, maxFrameBytes, shared);
        } catch (IpcException | RuntimeException e) {
            channel.close();
            throw e;
        } catch (IOException e) {
            channel.close();
            throw new PeerGoneException("a client of " + serverName + " went away during the handshake: " + e, e);
        }
    }

    /**
     * Client side: sends HELLO, waits for WELCOME, and returns the client.
     *
     * @param sharedMemory how to map the server's regions, or {@code null} to receive every payload inline
     * @param timeoutNanos how long to wait for the server's answer
     * @throws ProtocolException if the server refused or is not a packet-ipc server
     * @throws IpcTimeoutException if the server did not answer in time
     */
    public static Client connect(
            StreamChannel channel, String serverName, IpcOptions options, SharedMemory sharedMemory, long timeoutNanos)
            throws IpcException {
        int maxFrameBytes = options.get(IpcOptions.MAX_FRAME_BYTES);
        FrameInput input = new FrameInput(channel, Math.min(maxFrameBytes, 1 << 20), maxFrameBytes);
        try {
            ByteBuffer hello = ByteBuffer.allocate(64);
            FrameEncoder.encodeHello(
                    hello,
                    HandshakeDescriptor.VERSION_1,
                    HandshakeDescriptor.VERSION_1,
                    maxFrameBytes,
                    sharedMemory == null ? 0 : HandshakeDescriptor.FLAG_SHARED_MEMORY);
            writeFully(channel, hello.flip(), timeoutNanos);
            ByteBuffer answer = awaitFrame(input, timeoutNanos, "the server's WELCOME", serverName);
            FrameDecoder.welcome(answer); // a REJECT throws here, with the server's reason and text
            FrameDecoder.peerMaxFrameBytes(answer);
            input.consume(answer.getInt(answer.position() + FrameDescriptor.LENGTH_OFFSET));
            return new StreamClient(serverName, channel, sharedMemory, input);
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
     * Server side: refuses a client before the handshake, for instance for its credentials, with a REJECT it can show
     * its user, then closes the channel. Never blocks and never throws.
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
