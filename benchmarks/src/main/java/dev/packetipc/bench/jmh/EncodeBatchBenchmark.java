package dev.packetipc.bench.jmh;

import dev.packetipc.bench.Batch;
import dev.packetipc.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding one batch into BATCH frames in a direct buffer, as every stream transport does on {@code send}: the
 * sender's whole in-process cost before the write. Reports batches per second; multiply by {@code batch} for
 * packets.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EncodeBatchBenchmark {
    /** Bytes of payload per packet. */
    @Param({"64", "1500", "65536"})
    public int payload;

    /** Packets per batch. */
    @Param({"1", "64", "1024"})
    public int batch;

    private Batch packets;
    private ByteBuffer buffer;

    /** Makes the batch and a buffer that holds it (or 16 MiB of it at a time). */
    @Setup
    public void setUp() {
        packets = new Batch(batch, payload);
        buffer = ByteBuffer.allocateDirect(WireFixtures.bufferBytes(batch, payload));
    }

    /** Encodes the whole batch, starting the buffer over whenever it is full. */
    @Benchmark
    public int encodeBatch() {
        buffer.clear();
        int next = 0;
        int frames = 0;
        while (next < batch) {
            int after = FrameEncoder.encodeBatch(packets.packets(), next, buffer, WireFixtures.MAX_FRAME_BYTES);
            if (after == next) {
                buffer.clear();
            } else {
                frames++;
                next = after;
            }
        }
        return frames + buffer.position();
    }
}
