package dev.packetipc.aeron;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import io.aeron.driver.status.SystemCounterDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The other side in this module's cross-process tests, run in a child JVM (also inside network namespaces).
 *
 * <pre>
 * server NAME PLAN...    start a server on NAME, print "NAME &lt;name&gt;", then for each PLAN accept one client and
 *                        send it: "finite:COUNT" packets then the end, or "forever" until sending fails
 * client NAME COUNT      connect and receive (COUNT -1: until it fails), checking every packet
 * </pre>
 *
 * Packet {@code seq} has timestamp {@code seq} and a payload whose length and bytes follow from {@code seq} alone
 * (see {@link #payload}); sizes cycle through 0 B, small, about one frame, several frames and up to 100 KB, so that
 * both the packed path and Aeron's fragmentation are used. Both sides print a CRC32 of every payload in order.
 */
public final class AeronPeerMain {
    private static final int[] SIZES = {0, 1, 64, 300, 1200, 1500, 4000, 9000, 65536, 100_000, 17, 128};
    private static final int BATCH = 64;

    private AeronPeerMain() {}

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws Exception {
        try {
            if (args[0].equals("server")) {
                server(args[1], Arrays.asList(args).subList(2, args.length));
            } else {
                client(args[1], Long.parseLong(args[2]));
            }
        } catch (Throwable t) {
            System.out.println("FATAL " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(3);
        }
        System.out.flush();
        System.exit(0);
    }

    static int size(long seq) {
        return SIZES[(int) (seq % SIZES.length)];
    }

    /** The payload of packet {@code seq}: its sequence number (when it fits), then a pattern that depends on it. */
    static byte[] payload(long seq) {
        byte[] bytes = new byte[size(seq)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (seq * 31 + i * 7);
        }
        if (bytes.length >= 8) {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, seq);
        }
        return bytes;
    }

    private static void server(String name, List<String> plans) throws Exception {
        IpcOptions options =
                IpcOptions.builder().set(IpcOptions.SERVER_NAME, name).build();
        try (Server server = new AeronTransport().newServer(options)) {
            System.out.println("NAME " + server.name());
            try (Drivers.Lease lease = Drivers.local()) {
                System.out.println("DRIVER " + lease.directory());
            }
            System.out.flush();
            int index = 0;
            for (String plan : plans) {
                index++;
                try (Connection connection = server.accept()) {
                    System.out.println("ACCEPTED " + index);
                    System.out.flush();
                    long count = plan.startsWith("finite:") ? Long.parseLong(plan.substring(7)) : Long.MAX_VALUE;
                    CRC32 crc = new CRC32();
                    long seq = 0;
                    try {
                        List<Packet> batch = new ArrayList<>(BATCH);
                        while (seq < count) {
                            batch.clear();
                            for (int i = 0; i < BATCH && seq < count; i++, seq++) {
                                byte[] payload = payload(seq);
                                crc.update(payload);
                                batch.add(Packet.of(seq, payload));
                            }
                            connection.send(batch);
                        }
                        connection.sendEnd();
                        System.out.println("SENT " + index + " " + seq + " " + crc.getValue());
                        System.out.println("REPAIRS " + index + " " + repairs());
                    } catch (IpcException e) {
                        System.out.println("SEND-FAILED " + index + " "
                                + e.getClass().getSimpleName() + " after " + seq + " packets: " + e.getMessage());
                    }
                    System.out.flush();
                }
            }
        }
    }

    /** Retransmissions this JVM's media driver made so far (they repair losses). */
    private static long repairs() throws IpcException {
        try (Drivers.Lease lease = Drivers.local()) {
            return lease.aeron().countersReader().getCounterValue(SystemCounterDescriptor.RETRANSMITS_SENT.id());
        }
    }

    private static void client(String name, long expected) throws Exception {
        long start = System.nanoTime();
        try (Client client = new AeronTransport().connect(name)) {
            System.out.println("CONNECTED in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            System.out.flush();
            CRC32 crc = new CRC32();
            long seq = 0;
            long lastPacket = System.nanoTime();
            try {
                Optional<List<IpcPacket>> batch;
                while ((batch = client.receivePackets(1024, Duration.ofSeconds(60))).isPresent()) {
                    for (IpcPacket packet : batch.get()) {
                        byte[] bytes = packet.toByteArray();
                        if (packet.timestampNanos() != seq || !Arrays.equals(bytes, payload(seq))) {
                            System.out.println("CORRUPT expected packet " + seq + " (" + size(seq) + " bytes), got"
                                    + " timestamp " + packet.timestampNanos() + " with " + bytes.length + " bytes");
                            System.out.flush();
                            return;
                        }
                        crc.update(bytes);
                        seq++;
                        if (seq % 10_000 == 0) {
                            System.out.println("PROGRESS " + seq);
                            System.out.flush();
                        }
                    }
                    lastPacket = System.nanoTime();
                }
                System.out.println("RECEIVED " + seq + " " + crc.getValue());
            } catch (IpcException e) {
                System.out.println("RECEIVE-FAILED " + e.getClass().getSimpleName() + " after " + seq + " packets, "
                        + (System.nanoTime() - lastPacket) / 1_000_000 + " ms after the last one: "
                        + e.getMessage());
            }
            System.out.flush();
            if (expected >= 0 && seq != expected) {
                System.out.println("SHORT expected " + expected + " packets, got " + seq);
            }
        }
    }
}
