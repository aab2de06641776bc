package dev.packetipc.shm;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.io.IOException;
import java.util.List;

/**
 * The other side in the crash and availability tests, run in a child JVM by {@link #start}:
 *
 * <ul>
 *   <li>{@code availability}: prints {@code AVAILABLE true|false} and {@code CAUSE <message>};
 *   <li>{@code server}: starts a server, prints {@code NAME <name>}, accepts one client and sends to it until killed;
 *   <li>{@code client <name>}: connects, receives one batch, prints {@code RECEIVED}, then sleeps until killed;
 *   <li>{@code connecting <name>}: prints {@code CONNECTING} and connects, waiting up to 10 minutes for the accept;
 *   <li>{@code impatient <name> <millis>}: connects with that {@code CONNECT_TIMEOUT}, prints {@code CONNECTED
 *       <name>} or {@code TIMEOUT <message>};
 *   <li>{@code read <name>}: connects at default options, reads to the end of the stream, checking that packet
 *       {@code i} has timestamp {@code i} and {@code i % 251} in each byte, and prints {@code RESULT OK <packets>},
 *       or {@code RESULT FAIL <what>}.
 * </ul>
 *
 * Every role first prints {@code PID <pid>}.
 */
public final class ShmPeerMain {
    private ShmPeerMain() {}

    /** Starts this class in a child JVM with the flags Chronicle needs. */
    static ChildJvm withFlags(String... arguments) throws IOException {
        return start(JvmFlags.required(), arguments);
    }

    /** Starts this class in a child JVM with exactly these JVM flags. */
    static ChildJvm start(List<String> flags, String... arguments) throws IOException {
        return ChildJvm.start(flags, ShmPeerMain.class, List.of(arguments));
    }

    /** Connects, reads the whole stream and checks it (see {@link #packet}); what to print. */
    static String read(ShmTransport transport, String name) {
        long count = 0;
        try (Client client = transport.connect(name, IpcOptions.defaults())) {
            while (true) {
                java.util.Optional<List<dev.packetipc.IpcPacket>> batch =
                        client.receivePackets(256, java.time.Duration.ofMinutes(2));
                if (batch.isEmpty()) {
                    return "OK " + count;
                }
                for (dev.packetipc.IpcPacket packet : batch.get()) {
                    if (packet.timestampNanos() != count
                            || !java.util.Arrays.equals(
                                    packet.toByteArray(), packet(count).toByteArray())) {
                        return "FAIL packet " + count + " is not the one sent (timestamp " + packet.timestampNanos()
                                + ")";
                    }
                    count++;
                }
            }
        } catch (Exception e) {
            return "FAIL after " + count + " packets: " + e;
        }
    }

    /** Packet {@code i} of a checked stream: timestamp {@code i}, 64 bytes of {@code i % 251}. */
    static Packet packet(long i) {
        byte[] bytes = new byte[64];
        java.util.Arrays.fill(bytes, (byte) (i % 251));
        return Packet.of(i, bytes);
    }

    /** Runs the role named by the first argument. */
    public static void main(String[] args) throws Exception {
        ShmTransport transport = new ShmTransport();
        System.out.println("PID " + ProcessHandle.current().pid());
        switch (args[0]) {
            case "availability":
                System.out.println("AVAILABLE " + transport.isAvailable());
                System.out.println("CAUSE "
                        + transport
                                .unavailabilityCause()
                                .map(Throwable::getMessage)
                                .orElse(""));
                break;
            case "server":
                try (Server server = transport.newServer(IpcOptions.defaults())) {
                    System.out.println("NAME " + server.name());
                    System.out.println("PROPERTY chronicle.analytics.disable="
                            + System.getProperty("chronicle.analytics.disable"));
                    try (Connection connection = server.accept()) {
                        List<Packet> batch = List.of(Packet.of(1, new byte[100]), Packet.of(2, new byte[100]));
                        while (true) {
                            connection.send(batch);
                            Thread.sleep(5); // a pace, not a synchronisation: the stream runs until the test kills us
                        }
                    }
                }
            case "client":
                try (Client client = transport.connect(args[1])) {
                    client.receivePackets(10);
                    System.out.println("RECEIVED");
                    Thread.sleep(Long.MAX_VALUE);
                }
                break;
            case "connecting":
                System.out.println("CONNECTING");
                try (Client client = transport.connect(
                        args[1],
                        IpcOptions.builder()
                                .set(IpcOptions.CONNECT_TIMEOUT, java.time.Duration.ofMinutes(10))
                                .build())) {
                    System.out.println("CONNECTED " + client.name());
                }
                break;
            case "impatient":
                try (Client client = transport.connect(
                        args[1],
                        IpcOptions.builder()
                                .set(IpcOptions.CONNECT_TIMEOUT, java.time.Duration.ofMillis(Long.parseLong(args[2])))
                                .build())) {
                    System.out.println("CONNECTED " + client.name());
                } catch (dev.packetipc.IpcTimeoutException e) {
                    System.out.println("TIMEOUT " + e.getMessage());
                }
                break;
            case "read":
                System.out.println("RESULT " + read(transport, args[1]));
                break;
            default:
                throw new IllegalArgumentException("unknown role " + args[0]);
        }
    }
}
