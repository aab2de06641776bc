package dev.packetipc.unix;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import dev.packetipc.conformance.ChildJvm;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The other process in the cross-process tests.
 *
 * <pre>
 * server-then-hang             serves one client 13 packets, prints SENT, then blocks until killed
 * client-hang NAME             connects, takes one packet, prints RECEIVING, then blocks until killed
 * client-check NAME            polls the whole stream, prints OK packets bytes crc32
 * start-server                 starts a server, prints STARTED, closes it (run with -verbose:class by FirstUseTest)
 * first-connect NAME MILLIS    this process's first connect, with CONNECT_TIMEOUT = MILLIS, to a server that never
 *                              lets it in; prints TIMEOUT elapsed-ms message, or CONNECTED
 * </pre>
 */
public final class UnixPeerMain {
    private UnixPeerMain() {}

    /** Starts this class in a child JVM with these arguments (see above). */
    static ChildJvm start(String... arguments) throws IOException {
        return ChildJvm.start(TestJvms.nativeAccessFlags(), UnixPeerMain.class, List.of(arguments));
    }

    public static void main(String[] args) throws Exception {
        UnixTransport transport = new UnixTransport();
        switch (args[0]) {
            case "server-then-hang":
                try (Server server = transport.newServer()) {
                    System.out.println("NAME " + server.name());
                    Connection connection = server.accept(Duration.ofSeconds(30));
                    connection.send(Streams.packets(13, 0));
                    System.out.println("SENT");
                    Thread.sleep(Long.MAX_VALUE); // the test kills this process: that is the point
                }
                break;
            case "client-hang":
                try (Client client = transport.connect(args[1])) {
                    client.receivePackets(1, Duration.ofSeconds(30));
                    System.out.println("RECEIVING");
                    Thread.sleep(Long.MAX_VALUE); // the test kills this process: that is the point
                }
                break;
            case "client-check":
                try (Client client = transport.connect(args[1], IpcOptions.defaults())) {
                    CRC32 crc = new CRC32();
                    long[] totals = new long[2];
                    while (true) {
                        int n = client.poll(
                                packet -> {
                                    totals[0]++;
                                    totals[1] += packet.length();
                                    Streams.update(crc, packet);
                                },
                                100,
                                Duration.ofSeconds(30));
                        if (n == Client.END_OF_STREAM) {
                            break;
                        }
                        if (n == 0) {
                            throw new IllegalStateException("nothing arrived for 30 s");
                        }
                    }
                    Optional<List<dev.packetipc.IpcPacket>> after = client.receivePackets(1, Duration.ofSeconds(1));
                    System.out.println(
                            "OK " + totals[0] + " " + totals[1] + " " + crc.getValue() + " " + after.isPresent());
                }
                break;
            case "start-server":
                try (Server server = transport.newServer()) {
                    System.out.println("STARTED " + server.name());
                }
                break;
            case "first-connect":
                IpcOptions options = IpcOptions.builder()
                        .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMillis(Long.parseLong(args[2])))
                        .build();
                long start = System.nanoTime(); // nothing of junixsocket or JNA is loaded before this connect
                try (Client client = transport.connect(args[1], options)) {
                    System.out.println("CONNECTED " + client.name());
                } catch (IpcTimeoutException e) {
                    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    System.out.println(
                            "TIMEOUT " + elapsed + " " + e.getMessage().replace('\n', ' '));
                }
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }
}
