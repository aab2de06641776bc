package dev.packetipc.bench.jmh;

import dev.packetipc.IpcPacket;
import dev.packetipc.PacketHandler;
import dev.packetipc.ProtocolException;
import dev.packetipc.bench.Batch;
import dev.packetipc.wire.BatchReader;
import dev.packetipc.wire.FrameDecoder;
import dev.packetipc.wire.SharedRegions;
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
 * Reading received BATCH frames in place, as a stream client's {@code poll} does: {@link FrameDecoder} checks each
 * header, {@link BatchReader} hands every packet to a handler through one reused view. Reports batches per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecodeBatchBenchmark implements PacketHandler {
    /** Bytes of payload per packet. */
    @Param({"64", "1500", "65536"})
    public int payload;

    /** Packets per batch. */
    @Param({"1", "64", "1024"})
    public int batch;

    private final BatchReader reader = new BatchReader(SharedRegions.NONE);
    private ByteBuffer frames;
    private long seen;

    /** Encodes the batch once. */
    @Setup
    public void setUp() {
        frames = WireFixtures.encoded(new Batch(batch, payload));
    }

    /** Touches what a receiver reads of each packet: its timestamp and its length. */
    @Override
    public void onPacket(IpcPacket packet) {
        seen += packet.timestampNanos() + packet.length();
    }

    /** Validates and walks every frame of the batch. */
    @Benchmark
    public long decodeAndRead() throws ProtocolException {
        int at = 0;
        int end = frames.limit();
        while (at < end) {
            frames.position(at);
            int length = FrameDecoder.frameLength(frames, WireFixtures.MAX_FRAME_BYTES);
            reader.wrap(frames, at, length);
            reader.read(this, Integer.MAX_VALUE);
            at += length;
        }
        return seen;
    }
}
