package dev.packetipc.bench.jmh;

import dev.packetipc.spi.PacketView;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pointing the reused {@link PacketView} at a packet and reading it, the per-packet cost of {@code poll}; and
 * {@code toPacket}, the copy {@code receivePackets} makes of each packet. Reports nanoseconds per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PacketViewBenchmark {
    private static final int PAYLOAD = 64;

    private final PacketView view = new PacketView();
    private ByteBuffer buffer;
    private int offset;

    /** A 64 KiB read-only buffer to point into. */
    @Setup
    public void setUp() {
        buffer = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();
    }

    /** Wraps the view on the next 64-byte slot and reads its payload window. */
    @Benchmark
    public int wrapAndRead() {
        offset = (offset + PAYLOAD) & ((64 << 10) - 1);
        view.wrap(offset, buffer, offset, PAYLOAD);
        return view.data().remaining() + (int) view.timestampNanos();
    }

    /** Wraps the view and copies the packet out, as {@code receivePackets} does. */
    @Benchmark
    public Object wrapAndCopy() {
        offset = (offset + PAYLOAD) & ((64 << 10) - 1);
        view.wrap(offset, buffer, offset, PAYLOAD);
        return view.toPacket();
    }
}
