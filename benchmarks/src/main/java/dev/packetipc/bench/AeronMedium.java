package dev.packetipc.bench;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The Aeron IPC baseline, written the way Aeron's own IPC samples are ({@code EmbeddedExclusiveBufferClaimIpcThroughput}
 * and the ping-pong samples in {@code io.aeron.samples}, Aeron 1.51):
 *
 * <ul>
 *   <li>one embedded media driver per pair, in the server JVM, in {@link ThreadingMode#SHARED} with its default idle
 *       strategy, as the samples launch it; the client JVM (and the round trip's answering side) connects to that
 *       driver and never starts its own;
 *   <li>one exclusive publication per stream on {@code aeron:ipc}; terms of 16 MiB instead of 64 MiB (four streams
 *       fault in less fresh memory) and the largest MTU ({@code 65504}), so that a message of up to 65472 bytes is
 *       one fragment;
 *   <li>packets packed into messages the way the socket baselines pack them ({@link RecordCodec}'s 16-byte header
 *       and the payload per packet), as many as fit one fragment, each message written in place with
 *       {@code tryClaim}; a packet too large for one fragment (64 KiB) goes alone with a two-buffer {@code offer}
 *       (header and payload, no staging copy) and its fragments are read in place, never reassembled;
 *   <li>the sender spins on back pressure and the subscription is polled with 10 fragments per poll and busy spin in
 *       between ({@code BusySpinIdleStrategy}, the samples' default, see {@link Idler}).
 * </ul>
 *
 * Aeron has no blocking receive: spin only.
 *
 * <p>Over UDP ({@code aeron-udp}, the bar of the aeron transport's {@code aeron-udp} rows), the channel and the driver
 * are those the aeron transport uses with its default name: {@code aeron:udp?endpoint=127.0.0.1:<port>} with Aeron's
 * default term length and MTU (1408), one exclusive publication per stream, and an embedded driver of its own in
 * each JVM in {@link ThreadingMode#SHARED}, with sparse term files and a publication linger of 1 s (what
 * {@code dev.packetipc.aeron.Drivers} sets). Each stream gets a free UDP port that its subscriber binds.
 */
final class AeronMedium implements Medium {
    static final String CHANNEL = "aeron:ipc?term-length=16m|mtu=65504";
    /** The UDP channel's prefix: the port follows. */
    static final String UDP_CHANNEL = "aeron:udp?endpoint=127.0.0.1:";
    /** Fragments per {@code poll}: the samples' {@code aeron.sample.frameCountLimit} default. */
    static final int FRAGMENT_LIMIT = 10;

    private static final int SERVER_STREAMS = 1001;
    private static final int ANSWER_STREAMS = 900_001;

    private final boolean udp;
    private MediaDriver driver;
    private String driverDirectory;
    private Aeron aeron;
    private int nextStream = SERVER_STREAMS;

    /** Aeron IPC ({@code udp} false) or UDP on loopback. */
    AeronMedium(boolean udp) {
        this.udp = udp;
    }

    @Override
    public synchronized void peer(String serverAddress) {
        if (udp) {
            nextStream = ANSWER_STREAMS; // each JVM has a driver of its own: nothing to share
            return;
        }
        if (driver == null && driverDirectory == null) {
            driverDirectory = serverAddress.substring(0, serverAddress.lastIndexOf(','));
            nextStream = ANSWER_STREAMS;
        }
    }

    /** The UDP medium's own embedded driver, with the aeron transport's settings; started once per JVM. */
    private synchronized Aeron udpClient() {
        if (driver == null) {
            String dir = ChronicleMedium.baseDirectory()
                    .resolve("pib-aeron-udp-" + UUID.randomUUID())
                    .toString();
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                    .aeronDirectoryName(dir)
                    .threadingMode(ThreadingMode.SHARED)
                    .termBufferSparseFile(true)
                    .publicationLingerTimeoutNs(TimeUnit.SECONDS.toNanos(1))
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true));
            driverDirectory = driver.aeronDirectoryName();
        }
        return client(driverDirectory);
    }

    /** A UDP port on loopback that nothing uses now (the subscriber binds it a moment later). */
    private static int freePort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** UDP: a publication per stream to a free port; the address is {@code udp,<first stream>,<port>,<port>...}. */
    private Listener listenUdp(Workload workload) throws IOException {
        Aeron client = udpClient();
        int base;
        synchronized (this) {
            base = nextStream;
            nextStream += workload.clients();
        }
        List<ExclusivePublication> publications = new ArrayList<>();
        StringBuilder address = new StringBuilder("udp,").append(base);
        for (int i = 0; i < workload.clients(); i++) {
            int port = freePort();
            publications.add(client.addExclusivePublication(UDP_CHANNEL + port, base + i));
            address.append(',').append(port);
        }
        return new Listener() {
            @Override
            public String address() {
                return address.toString();
            }

            @Override
            public Outbound accept(int stream) {
                return new AeronOutbound(publications.get(stream));
            }

            @Override
            public void close() {
                publications.forEach(Publication::close);
            }
        };
    }

    @Override
    public Listener listen(Workload workload) throws IOException {
        if (udp) {
            return listenUdp(workload);
        }
        return listenIpc(workload);
    }

    private synchronized Listener listenIpc(Workload workload) {
        if (driverDirectory == null) {
            String dir = ChronicleMedium.baseDirectory()
                    .resolve("pib-aeron-" + UUID.randomUUID())
                    .toString();
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                    .aeronDirectoryName(dir)
                    .threadingMode(ThreadingMode.SHARED)
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true));
            driverDirectory = driver.aeronDirectoryName();
        }
        Aeron client = client(driverDirectory);
        int base = nextStream;
        nextStream += workload.clients();
        List<ExclusivePublication> publications = new ArrayList<>();
        for (int i = 0; i < workload.clients(); i++) {
            publications.add(client.addExclusivePublication(CHANNEL, base + i));
        }
        String address = driverDirectory + "," + base;
        return new Listener() {
            @Override
            public String address() {
                return address;
            }

            @Override
            public Outbound accept(int stream) {
                return new AeronOutbound(publications.get(stream));
            }

            @Override
            public void close() {
                publications.forEach(Publication::close);
            }
        };
    }

    @Override
    public Inbound connect(String address, int stream, Workload workload) {
        if (udp) {
            String[] parts = address.split(",");
            Subscription subscription =
                    udpClient().addSubscription(UDP_CHANNEL + parts[2 + stream], Integer.parseInt(parts[1]) + stream);
            return new AeronInbound(subscription, new Consume(workload.consume()));
        }
        int comma = address.lastIndexOf(',');
        Aeron client = client(address.substring(0, comma));
        Subscription subscription =
                client.addSubscription(CHANNEL, Integer.parseInt(address.substring(comma + 1)) + stream);
        return new AeronInbound(subscription, new Consume(workload.consume()));
    }

    private synchronized Aeron client(String dir) {
        if (aeron == null) {
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
        }
        return aeron;
    }

    @Override
    public synchronized void close() {
        if (aeron != null) {
            aeron.close();
        }
        if (driver != null) {
            driver.close();
        }
    }

    private static final class AeronOutbound implements Outbound {
        private final ExclusivePublication publication;
        private final BufferClaim claim = new BufferClaim();
        private final UnsafeBuffer header = new UnsafeBuffer(new byte[RecordCodec.HEADER]);
        private final UnsafeBuffer payload = new UnsafeBuffer(new byte[0]);
        private final Idler idler = new Idler();

        AeronOutbound(ExclusivePublication publication) {
            this.publication = publication;
        }

        @Override
        public void send(Batch batch) {
            int maxPayload = publication.maxPayloadLength();
            for (int from = 0; from < batch.count(); ) {
                int size = batch.payloadBytes(from);
                if (RecordCodec.HEADER + size > maxPayload) { // alone, in fragments read in place
                    header.putInt(0, size);
                    header.putInt(4, 0);
                    header.putLong(8, batch.timestamp(from));
                    payload.wrap(batch.payload(from), 0, size);
                    long result;
                    while ((result = publication.offer(header, 0, RecordCodec.HEADER, payload, 0, size)) < 0) {
                        backPressure(result);
                    }
                    from++;
                    continue;
                }
                int to = from;
                int length = 0;
                while (to < batch.count() && length + RecordCodec.HEADER + batch.payloadBytes(to) <= maxPayload) {
                    length += RecordCodec.HEADER + batch.payloadBytes(to++);
                }
                claim(length);
                MutableDirectBuffer buffer = claim.buffer();
                int at = claim.offset();
                for (int i = from; i < to; i++) {
                    int bytes = batch.payloadBytes(i);
                    buffer.putInt(at, bytes);
                    buffer.putInt(at + 4, 0);
                    buffer.putLong(at + 8, batch.timestamp(i));
                    buffer.putBytes(at + RecordCodec.HEADER, batch.payload(i), 0, bytes);
                    at += RecordCodec.HEADER + bytes;
                }
                claim.commit();
                from = to;
            }
        }

        @Override
        public void end() {
            claim(RecordCodec.HEADER);
            claim.buffer().putInt(claim.offset(), RecordCodec.END_MARK);
            claim.commit();
        }

        private void claim(int length) {
            long result;
            while ((result = publication.tryClaim(length, claim)) < 0) {
                backPressure(result);
            }
        }

        private void backPressure(long result) {
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                throw new IllegalStateException("Aeron publication refused the message: " + result);
            }
            idler.idle();
        }

        @Override
        public void close() {
            publication.close();
        }
    }

    /** Reads every fragment in place: whole messages are walked record by record; a fragmented one part by part. */
    private static final class AeronInbound implements Inbound, FragmentHandler {
        private final Subscription subscription;
        private final Consume consume;
        private Tally tally;
        private long packets;
        private long bytes;
        private int pending;
        private boolean ended;

        AeronInbound(Subscription subscription, Consume consume) {
            this.subscription = subscription;
            this.consume = consume;
        }

        @Override
        public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
            byte flags = header.flags();
            if ((flags & FrameDescriptor.UNFRAGMENTED) == FrameDescriptor.UNFRAGMENTED) {
                int at = offset;
                int end = offset + length;
                while (at < end) {
                    int size = buffer.getInt(at);
                    if (size == RecordCodec.END_MARK) {
                        ended = true;
                        return;
                    }
                    consume.timestamp(buffer.getLong(at + 8));
                    consume.packet(buffer, at + RecordCodec.HEADER, size);
                    at += RecordCodec.HEADER + size;
                    packets++;
                    bytes += size;
                }
            } else if ((flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0) {
                pending = buffer.getInt(offset);
                consume.timestamp(buffer.getLong(offset + 8));
                consume.begin(pending);
                consume.part(buffer, offset + RecordCodec.HEADER, length - RecordCodec.HEADER);
            } else {
                consume.part(buffer, offset, length);
                if ((flags & FrameDescriptor.END_FRAG_FLAG) != 0) {
                    consume.end();
                    packets++;
                    bytes += pending;
                }
            }
        }

        @Override
        public Consume consume() {
            return consume;
        }

        @Override
        public int receive(Tally tally) {
            this.tally = tally;
            packets = 0;
            bytes = 0;
            subscription.poll(this, FRAGMENT_LIMIT);
            tally.add(packets, bytes);
            return ended ? END : (int) packets;
        }

        @Override
        public void close() {
            if (tally != null) {
                tally.consume(consume.sink());
            }
            subscription.close();
        }
    }
}
