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
 *   <li>{@code connecting <name>}: prints {@code CONNECTING} and connects, waiting up to 10 minutes for the accept.
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
                            Thread.sleep(5);
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
            default:
                throw new IllegalArgumentException("unknown role " + args[0]);
        }
    }
}
