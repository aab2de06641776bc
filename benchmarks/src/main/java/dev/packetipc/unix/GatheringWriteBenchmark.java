package dev.packetipc.unix;

import dev.packetipc.spi.stream.StreamChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Unix channel's gathering write against one write per buffer (issue 12, item 13): the same {@code
 * write(ByteBuffer[], timeout)} of {@link #buffers} direct buffers of {@link #bufferBytes} each, through a channel that
 * gathers them into one {@code sendmsg(2)} ({@code gather=true}, what the transport uses on 64-bit Linux) or through
 * one that hands each buffer to junixsocket on its own, one system call per buffer ({@code gather=false}, the
 * selector-based channel used elsewhere). A thread drains the other end of the socket pair with blocking reads of up
 * to 1 MiB, touching nothing. Reports nanoseconds per {@code write} call (all buffers).
 *
 * <p>In the library this path is taken only by a packet written inline on its own (larger than the send buffer) with a
 * direct payload and the packet ring off: with the ring on (the default) no batch goes through the socket at all.
 * The class sits in the transport's package because the channel is internal to it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GatheringWriteBenchmark {
    /** Whether the channel gathers the buffers into one {@code sendmsg(2)}. */
    @Param({"true", "false"})
    public boolean gather;

    /** Buffers per write. */
    @Param({"2", "16"})
    public int buffers;

    /** Bytes per buffer. */
    @Param({"64", "4096"})
    public int bufferBytes;

    private AFUNIXSocketPair<AFUNIXSocketChannel> pair;
    private UnixStreamChannel channel;
    private ByteBuffer[] sources;
    private Thread drain;

    /** Opens the socket pair, the channel on one end and the draining thread on the other. */
    @Setup(Level.Trial)
    public void open() throws IOException {
        pair = AFUNIXSocketPair.open();
        channel = new UnixStreamChannel(pair.getSocket1(), gather);
        sources = new ByteBuffer[buffers];
        for (int i = 0; i < buffers; i++) {
            sources[i] = ByteBuffer.allocateDirect(bufferBytes);
        }
        AFUNIXSocketChannel other = pair.getSocket2();
        drain = new Thread(
                () -> {
                    ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
                    try {
                        while (other.read(sink.clear()) >= 0) {
                            // drained
                        }
                    } catch (IOException e) {
                        // closed at tear-down
                    }
                },
                "gathering-write-drain");
        drain.setDaemon(true);
        drain.start();
    }

    /** Writes every buffer once. */
    @Benchmark
    public long write() throws IOException {
        for (ByteBuffer source : sources) {
            source.clear();
        }
        return channel.write(sources, StreamChannel.FOREVER);
    }

    /** Closes both ends; the draining thread then ends. */
    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException {
        channel.close();
        pair.getSocket2().close();
        drain.join(10_000);
    }
}
