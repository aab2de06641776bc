package dev.packetipc.reliability;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The other process of the cross-process tests. It prints {@code PID <pid>} first, then lines the test waits for.
 *
 * <ul>
 *   <li>{@code server <transport> <mode> <packets> <size>}: prints {@code NAME <name>}, then serves one connection
 *       after another. Modes: {@code stream} sends {@code packets} checked packets in batches of 64, then END, closes and exits;
 *       {@code idle} sends them, prints {@code SENT}, and waits for ever (its client blocks in receive);
 *       {@code end} sends them and END, prints {@code ENDED}, and waits for ever without closing; {@code flood}
 *       sends without end (its client may stall).
 *   <li>{@code client <name> <mode> <batch-delay-millis>}: prints {@code CONNECTED}; mode {@code read} receives
 *       and checks every packet (sequence, CRC32C) until the end, printing {@code GOT <n>} every 1000 packets and
 *       {@code OK <n>} at the end, or {@code FAIL <what>}; {@code stall} never reads;
 *       {@code hold} reads as {@code read} does, then waits for ever without closing.
 * </ul>
 */
public final class Peer {
    private Peer() {}

    /** Runs one role; see the class comment. */
    public static void main(String[] args) throws Exception {
        System.out.println("PID " + ProcessHandle.current().pid());
        if ("server".equals(args[0])) {
            serve(args[1], args[2], Long.parseLong(args[3]), Integer.parseInt(args[4]));
        } else {
            System.exit(receive(args[1], args[2], Long.parseLong(args[3])));
        }
    }

    private static void serve(String transport, String mode, long packets, int size) throws Exception {
        try (Server server = PacketIpc.transport(transport).newServer()) {
            System.out.println("NAME " + server.name());
            while (true) {
                try (Connection connection = server.accept()) {
                    System.out.println("ACCEPTED");
                    long sent = 0;
                    while ("flood".equals(mode) || sent < packets) {
                        int n = (int) Math.min(64, "flood".equals(mode) ? 64 : packets - sent);
                        connection.send(Checked.batch(sent, n, size));
                        sent += n;
                    }
                    switch (mode) {
                        case "idle":
                            System.out.println("SENT");
                            Thread.sleep(Long.MAX_VALUE);
                            break;
                        case "end":
                            connection.sendEnd();
                            System.out.println("ENDED");
                            Thread.sleep(Long.MAX_VALUE);
                            break;
                        default:
                            connection.sendEnd();
                    }
                    if ("stream".equals(mode)) {
                        break; // one stream, then the server closes and the process ends
                    }
                } catch (dev.packetipc.IpcException e) {
                    System.out.println("CONNECTION-ERROR " + e);
                }
            }
        }
        System.out.println("CLOSED");
    }

    private static int receive(String name, String mode, long delayMillis) throws Exception {
        Checked.Receiver checker = new Checked.Receiver();
        try (Client client = PacketIpc.connect(name)) {
            System.out.println("CONNECTED");
            if ("stall".equals(mode)) {
                Thread.sleep(Long.MAX_VALUE);
            }
            Optional<List<IpcPacket>> batch;
            while ((batch = client.receivePackets(256, Duration.ofMinutes(5))).isPresent()) {
                long before = checker.count();
                for (IpcPacket packet : batch.get()) {
                    checker.accept(packet);
                }
                if (checker.count() / 1000 != before / 1000) {
                    System.out.println("GOT " + checker.count());
                }
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis); // the deliberately slow consumer of the load test
                }
            }
            System.out.println("OK " + checker.count());
            if ("hold".equals(mode)) {
                Thread.sleep(Long.MAX_VALUE); // after END, before close: the crash matrix kills it here
            }
            return 0;
        } catch (Exception | AssertionError e) {
            System.out.println("FAIL after " + checker.count() + ": " + e);
            return 1;
        }
    }
}
