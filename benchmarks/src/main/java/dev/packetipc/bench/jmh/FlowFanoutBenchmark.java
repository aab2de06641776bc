package dev.packetipc.bench.jmh;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.PacketHandler;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.flow.FlowFanout;
import dev.packetipc.flow.FlowHash;
import dev.packetipc.flow.FlowRule;
import dev.packetipc.flow.LinkTypes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of flow fan-out per 64-byte Ethernet/IPv4/TCP packet (issue 18's "at most 20 ns on top of plain
 * {@code send}"), in nanoseconds per packet over a batch of {@value #BATCH}:
 *
 * <ul>
 *   <li>{@code hash}: {@link FlowHash#hash} alone;
 *   <li>{@code plainSend}: one {@link Connection#send} of the batch over {@code inprocess}, then the client drains
 *       it with {@code poll};
 *   <li>{@code fanoutSend}: {@link FlowFanout#send} of the same batch to {@code workers} in-process connections,
 *       then each client drains its share.
 * </ul>
 *
 * <p>The receiving is done on the benchmark thread, so that the two sends are compared doing the same receiving work
 * (the same packets are drained in both) and no other thread competes for the 2 cores of the build machines; the
 * difference between {@code fanoutSend} and {@code plainSend} is what fan-out adds. The packets are views of one
 * preallocated buffer: {@code data()} allocates nothing. Run: {@code java -jar benchmarks/target/benchmarks.jar
 * FlowFanoutBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FlowFanoutBenchmark {
    /** Packets per batch. */
    static final int BATCH = 1024;

    /** Bytes per packet: Ethernet (14), IPv4 (20), TCP (20) and 10 bytes of payload. */
    static final int SIZE = 64;

    /** Workers of the fan-out. */
    @Param({"4"})
    public int workers;

    private final List<ViewPacket> batch = new ArrayList<>(BATCH);
    private final PacketHandler discard = packet -> {};
    private Server server;
    private Connection plain;
    private Client plainClient;
    private FlowFanout fanout;
    private final List<Client> workerClients = new ArrayList<>();

    /** One packet: a fixed window of the shared buffer, handed out without allocating. */
    static final class ViewPacket implements AsIpcPacket {
        private final long timestamp;
        private final ByteBuffer view;

        ViewPacket(long timestamp, ByteBuffer view) {
            this.timestamp = timestamp;
            this.view = view;
        }

        @Override
        public long timestampNanos() {
            return timestamp;
        }

        @Override
        public ByteBuffer data() {
            return view.clear(); // the whole window, whatever a reader did with the position
        }
    }

    /** {@value #BATCH} packets of {@value #SIZE} bytes, one per TCP flow (both directions alternate). */
    static List<ViewPacket> packets() {
        ByteBuffer all = ByteBuffer.allocateDirect(BATCH * SIZE);
        List<ViewPacket> packets = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            int at = i * SIZE;
            int flow = i / 2;
            boolean reply = (i & 1) == 1;
            int client = 0x0A000000 | flow;
            int server = 0x0A800000 | (flow * 7);
            all.position(at + 12);
            all.putShort((short) 0x0800);
            all.put((byte) 0x45).put((byte) 0).putShort((short) (SIZE - 14)).putInt(0x40000000);
            all.put((byte) 64).put((byte) 6).putShort((short) 0);
            all.putInt(reply ? server : client).putInt(reply ? client : server);
            int clientPort = 1024 + flow;
            all.putShort((short) (reply ? 443 : clientPort)).putShort((short) (reply ? clientPort : 443));
            all.putInt(i)
                    .putInt(0)
                    .putShort((short) 0x5010)
                    .putShort((short) 1024)
                    .putInt(0);
            ByteBuffer view = all.duplicate().position(at).limit(at + SIZE).slice();
            packets.add(new ViewPacket(i, view));
        }
        return packets;
    }

    /** The packets, an in-process server, one plain connection and a fan-out over {@code workers} connections. */
    @Setup(Level.Trial)
    public void setUp() throws IpcException {
        batch.addAll(packets());
        server = PacketIpc.transport("inprocess").newServer();
        Duration wait = Duration.ofSeconds(10);
        plainClient = PacketIpc.connect(server.name());
        plain = server.accept(wait);
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            workerClients.add(PacketIpc.connect(server.name()));
            connections.add(server.accept(wait));
        }
        fanout = FlowFanout.builder(LinkTypes.LINKTYPE_ETHERNET).build(connections);
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        fanout.close();
        plain.close();
        plainClient.close();
        workerClients.forEach(Client::close);
        server.close();
    }

    /** The flow hash of every packet of the batch, read in place. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long hash() {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer data = batch.get(i).data();
            sum += FlowHash.hash(
                    data, data.position(), data.remaining(), LinkTypes.LINKTYPE_ETHERNET, FlowRule.UDP_BY_ADDRESSES);
        }
        return sum;
    }

    /** One plain send of the batch, drained by its client. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int plainSend() throws IpcException {
        plain.send(batch);
        return drain(plainClient);
    }

    /** The batch through the fan-out, each worker's share drained by its client. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int fanoutSend() throws IpcException {
        fanout.send(batch);
        int got = 0;
        for (int i = 0; i < workerClients.size(); i++) {
            got += drain(workerClients.get(i));
        }
        return got;
    }

    private int drain(Client client) throws IpcException {
        int total = 0;
        int got;
        while ((got = client.poll(discard, BATCH)) > 0) {
            total += got;
        }
        return total;
    }
}
