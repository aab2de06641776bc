package dev.packetipc.conformance;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTransport;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;

/**
 * The other process of the cross-process rules (R201, R202): the suite starts it in a child JVM with the test's
 * class path. It makes an instance of the contract class named on the command line to get the transport, then plays
 * one side of a stream. Not meant to be run by hand.
 *
 * <pre>
 * client &lt;contract class&gt; &lt;server name&gt; &lt;receive size&gt; &lt;RECEIVE_PACKETS|POLL&gt; &lt;timeout ms&gt; &lt;max packets&gt; &lt;result file&gt;
 * server &lt;contract class&gt; &lt;batches file&gt; &lt;timeout ms&gt;
 * idle-server &lt;contract class&gt; &lt;liveness ms&gt; &lt;timeout ms&gt;
 * idle-client &lt;contract class&gt; &lt;server name&gt; &lt;liveness ms&gt; &lt;timeout ms&gt;
 * </pre>
 *
 * <p>As a client it connects, receives until the stream stops and writes what it got to the result file. As a
 * server it prints {@code NAME <server name>}, accepts one client, sends the batches and the end, prints
 * {@code SENT}, and waits for a line on its standard input before it closes. The idle sides of the liveness rules
 * (R207 to R210) use {@link IpcOptions#LIVENESS_TIMEOUT} as given: the idle server accepts one client, sends it one
 * packet, prints {@code SENT} and then sends nothing; the idle client connects, prints {@code CONNECTED} and never
 * receives. Both wait for a line on their standard input, or to be frozen or killed.
 */
public final class ChildMain {
    private ChildMain() {}

    /**
     * Runs one side; exits with 0 when it could play its part (the parent judges the stream), 1 otherwise.
     *
     * @param args see the class documentation
     */
    public static void main(String[] args) {
        int code;
        try {
            TransportContract contract = Contracts.instantiate(Class.forName(args[1]));
            IpcTransport transport = contract.newTransport();
            System.out.println("CHILD transport '" + transport.id() + "' from " + args[1]);
            switch (args[0]) {
                case "client":
                    client(contract, transport, args);
                    break;
                case "idle-server":
                    idleServer(contract, transport, args);
                    break;
                case "idle-client":
                    idleClient(contract, transport, args);
                    break;
                default:
                    server(contract, transport, args);
            }
            code = 0;
        } catch (Throwable t) {
            System.out.println("CHILD FAILED " + t);
            t.printStackTrace(System.out);
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    private static void client(TransportContract contract, IpcTransport transport, String[] args) throws Exception {
        String name = args[2];
        int receiveSize = Integer.parseInt(args[3]);
        Receiver.Mode mode = Receiver.Mode.valueOf(args[4]);
        Duration timeout = Duration.ofMillis(Long.parseLong(args[5]));
        int maxPackets = Integer.parseInt(args[6]);
        Path result = Path.of(args[7]);
        Received received;
        try (Client client = transport.connect(name, contract.clientOptions())) {
            System.out.println("CHILD CONNECTED " + name);
            received = Receiver.drain(client, mode, receiveSize, timeout, maxPackets);
        } catch (Exception e) {
            e.printStackTrace(System.out);
            received = new Received(
                    List.of(), Received.Ending.FAILED, "the child could not connect to " + name + ": " + e);
        }
        PacketFiles.writeReceived(result, received);
        System.out.println("CHILD RECEIVED " + received.describeEnding());
    }

    private static IpcOptions withLiveness(IpcOptions options, String millis) {
        return options.toBuilder()
                .set(IpcOptions.LIVENESS_TIMEOUT, Duration.ofMillis(Long.parseLong(millis)))
                .build();
    }

    private static void idleServer(TransportContract contract, IpcTransport transport, String[] args) throws Exception {
        Duration timeout = Duration.ofMillis(Long.parseLong(args[3]));
        try (Server server = transport.newServer(withLiveness(contract.serverOptions(), args[2]))) {
            System.out.println("NAME " + server.name());
            System.out.flush();
            try (Connection connection = server.accept(timeout)) {
                connection.send(List.of(Packet.of(1, new byte[] {1, 2, 3})), timeout);
                System.out.println("SENT one packet; idle from now on");
                System.out.flush();
                awaitParent(timeout);
            }
        }
    }

    private static void idleClient(TransportContract contract, IpcTransport transport, String[] args) throws Exception {
        Duration timeout = Duration.ofMillis(Long.parseLong(args[4]));
        try (Client client = transport.connect(args[2], withLiveness(contract.clientOptions(), args[3]))) {
            System.out.println("CONNECTED to " + client.name() + "; receiving nothing from now on");
            System.out.flush();
            awaitParent(timeout);
        }
    }

    private static void awaitParent(Duration timeout) throws Exception {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Future<String> bye = Waits.start(stdin::readLine);
        System.out.println("CHILD parent said " + Waits.await(bye, timeout, "the parent's goodbye"));
    }

    private static void server(TransportContract contract, IpcTransport transport, String[] args) throws Exception {
        List<List<Packet>> batches = PacketFiles.readBatches(Path.of(args[2]));
        Duration timeout = Duration.ofMillis(Long.parseLong(args[3]));
        try (Server server = transport.newServer(contract.serverOptions())) {
            System.out.println("NAME " + server.name());
            System.out.flush();
            try (Connection connection = server.accept(timeout)) {
                for (List<Packet> batch : batches) {
                    connection.send(batch, timeout);
                }
                connection.sendEnd();
                System.out.println("SENT " + batches.size() + " batches and the end");
                System.out.flush();
                BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                Future<String> bye = Waits.start(stdin::readLine);
                System.out.println("CHILD parent said " + Waits.await(bye, timeout, "the parent's goodbye"));
            }
        }
    }
}
