package dev.packetipc.bench;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The Aeron IPC baseline: an embedded media driver (shared threading mode, default back-off idle strategy) in the server JVM, one exclusive
 * publication per stream on {@code aeron:ipc}, each packet one message (timestamp, then payload), and a spinning
 * subscription in the client JVM that reassembles fragments. A one-byte message is the end.
 */
final class AeronMedium implements Medium {
    static final String CHANNEL = "aeron:ipc?term-length=16m|mtu=65504";

    private MediaDriver driver;
    private Aeron aeron;
    private int nextStream = 1001;

    @Override
    public synchronized Listener listen(Workload workload) {
        if (driver == null) {
            String dir = ChronicleMedium.baseDirectory()
                    .resolve("pib-aeron-" + UUID.randomUUID())
                    .toString();
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                    .aeronDirectoryName(dir)
                    .threadingMode(ThreadingMode.SHARED)
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true));
        }
        Aeron client = client(driver.aeronDirectoryName());
        int base = nextStream;
        nextStream += workload.clients();
        List<ExclusivePublication> publications = new ArrayList<>();
        for (int i = 0; i < workload.clients(); i++) {
            publications.add(client.addExclusivePublication(CHANNEL, base + i));
        }
        return new Listener() {
            @Override
            public String address() {
                return driver.aeronDirectoryName() + "," + base;
            }

            @Override
            public Outbound accept(int stream) {
                return new AeronOutbound(publications.get(stream), workload.payloadBytes());
            }

            @Override
            public void close() {
                publications.forEach(Publication::close);
            }
        };
    }

    @Override
    public Inbound connect(String address, int stream, Workload workload) {
        int comma = address.lastIndexOf(',');
        Aeron client = client(address.substring(0, comma));
        Subscription subscription =
                client.addSubscription(CHANNEL, Integer.parseInt(address.substring(comma + 1)) + stream);
        return new AeronInbound(subscription);
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
        private final UnsafeBuffer message;
        private final int length;
        private final Idler idler = new Idler();

        AeronOutbound(ExclusivePublication publication, int payloadBytes) {
            this.publication = publication;
            this.length = 8 + payloadBytes;
            this.message = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        }

        @Override
        public void send(Batch batch) {
            message.putBytes(8, batch.payload(), 0, batch.payloadBytes());
            for (int i = 0; i < batch.count(); i++) {
                message.putLong(0, batch.timestamp(i));
                offer(length);
            }
        }

        @Override
        public void end() {
            offer(1);
        }

        private void offer(int bytes) {
            long result;
            while ((result = publication.offer(message, 0, bytes)) < 0) {
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                    throw new IllegalStateException("Aeron publication refused the message: " + result);
                }
                idler.idle();
            }
            idler.reset();
        }

        @Override
        public void close() {
            publication.close();
        }
    }

    private static final class AeronInbound implements Inbound {
        private final Subscription subscription;
        private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage);
        private long packets;
        private long bytes;
        private long timestamps;
        private boolean ended;

        AeronInbound(Subscription subscription) {
            this.subscription = subscription;
        }

        private void onMessage(DirectBuffer buffer, int offset, int length, Header header) {
            if (length == 1) {
                ended = true;
                return;
            }
            timestamps += buffer.getLong(offset);
            packets++;
            bytes += length - 8;
        }

        @Override
        public int receive(Tally tally) {
            packets = 0;
            bytes = 0;
            subscription.poll(assembler, 1024);
            tally.consume(timestamps);
            tally.add(packets, bytes);
            return ended ? END : (int) packets;
        }

        @Override
        public void close() {
            subscription.close();
        }
    }
}
