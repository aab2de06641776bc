package dev.packetipc.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * The raw-socket baselines: a Unix domain stream socket opened through junixsocket or through the JDK's
 * {@code UnixDomainSocketAddress}, carrying {@link RecordCodec} records. The sender packs a batch into one 1 MiB
 * buffer and writes it with one (blocking) write; the receiver reads into a 1 MiB buffer and walks the records in
 * place. In {@link Wait#BLOCK} the receiver's socket blocks in {@code read}; in {@link Wait#SPIN} it is non-blocking
 * and an empty read returns at once (the caller spins).
 */
final class SocketMedium implements Medium {
    private static final int BUFFER_BYTES = 1 << 20;

    /** Which library opens the socket. */
    enum Library {
        /** junixsocket's {@code AFUNIXSocketChannel}. */
        JUNIXSOCKET,
        /** The JDK's {@code SocketChannel} with a {@code UnixDomainSocketAddress}. */
        JDK
    }

    private final Library library;
    private final Wait wait;

    SocketMedium(Library library, Wait wait) {
        this.library = library;
        this.wait = wait;
        if (library == Library.JUNIXSOCKET && !org.newsclub.net.unix.AFSocket.isSupported()) {
            throw new UnsupportedOperationException("junixsocket's native library does not load here");
        }
    }

    @Override
    public Listener listen(Workload workload) throws IOException {
        Path path = Path.of(
                System.getProperty("java.io.tmpdir"),
                "pib-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".sock");
        ServerSocketChannel server;
        if (library == Library.JUNIXSOCKET) {
            server = AFUNIXServerSocketChannel.open();
            server.bind(AFUNIXSocketAddress.of(path));
        } else {
            server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
            server.bind(java.net.UnixDomainSocketAddress.of(path));
        }
        return new Listener() {
            @Override
            public String address() {
                return path.toString();
            }

            @Override
            public Outbound accept(int stream) throws IOException {
                return new SocketOutbound(server.accept(), workload);
            }

            @Override
            public void close() throws IOException {
                server.close();
                Files.deleteIfExists(path);
            }
        };
    }

    @Override
    public Inbound connect(String address, int stream, Workload workload) throws IOException {
        SocketChannel channel = library == Library.JUNIXSOCKET
                ? AFUNIXSocketChannel.open(AFUNIXSocketAddress.of(Path.of(address)))
                : SocketChannel.open(java.net.UnixDomainSocketAddress.of(Path.of(address)));
        channel.configureBlocking(wait == Wait.BLOCK);
        return new SocketInbound(channel, workload);
    }

    private static final class SocketOutbound implements Outbound {
        private final SocketChannel channel;
        private final ByteBuffer buffer;

        SocketOutbound(SocketChannel channel, Workload workload) {
            this.channel = channel;
            this.buffer = RecordCodec.buffer(BUFFER_BYTES, workload);
        }

        @Override
        public void send(Batch batch) throws IOException {
            int next = 0;
            while (next < batch.count()) {
                buffer.clear();
                next = RecordCodec.encode(batch, next, buffer);
                flush();
            }
        }

        @Override
        public void end() throws IOException {
            buffer.clear();
            RecordCodec.encodeEnd(buffer);
            flush();
        }

        private void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class SocketInbound implements Inbound {
        private final SocketChannel channel;
        private final ByteBuffer buffer;
        private final Consume consume;
        private Tally tally;

        SocketInbound(SocketChannel channel, Workload workload) {
            this.channel = channel;
            this.buffer = RecordCodec.buffer(BUFFER_BYTES, workload);
            this.consume = new Consume(workload.consume());
        }

        @Override
        public Consume consume() {
            return consume;
        }

        @Override
        public int receive(Tally tally) throws IOException {
            this.tally = tally;
            if (channel.read(buffer) < 0) {
                throw new EOFException("the sender closed the socket before its end mark");
            }
            buffer.flip();
            int packets = RecordCodec.decode(buffer, consume, tally);
            buffer.compact();
            return packets;
        }

        @Override
        public void close() throws IOException {
            if (tally != null) {
                tally.consume(consume.sink());
            }
            channel.close();
        }
    }
}
