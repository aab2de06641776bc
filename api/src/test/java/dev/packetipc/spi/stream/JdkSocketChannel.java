package dev.packetipc.spi.stream;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The engine's seam over the JDK's own Unix domain sockets: a real byte stream for the engine's tests. */
final class JdkSocketChannel implements StreamChannel {
    private final SocketChannel socket;
    private final Selector readable;
    private final Selector writable;

    private JdkSocketChannel(SocketChannel socket) throws IOException {
        this.socket = socket;
        socket.configureBlocking(false);
        readable = Selector.open();
        writable = Selector.open();
        socket.register(readable, SelectionKey.OP_READ);
        socket.register(writable, SelectionKey.OP_WRITE);
    }

    /** Two connected ends: [server side, client side]. */
    static JdkSocketChannel[] pair() throws IOException {
        Path path = Files.createTempFile("engine", ".sock");
        Files.delete(path);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
            return new JdkSocketChannel[] {new JdkSocketChannel(server.accept()), new JdkSocketChannel(client)};
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Override
    public int read(ByteBuffer dst, long timeoutNanos) throws IOException {
        int n = socket.read(dst);
        if (n == 0 && timeoutNanos > 0) {
            readable.select(timeoutNanos == FOREVER ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
            readable.selectedKeys().clear();
            n = socket.read(dst);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, long timeoutNanos) throws IOException {
        long n = socket.write(srcs);
        if (n == 0 && timeoutNanos > 0) {
            writable.select(timeoutNanos == FOREVER ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
            writable.selectedKeys().clear();
            n = socket.write(srcs);
        }
        return n;
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() {
        try {
            socket.close();
            readable.close();
            writable.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
