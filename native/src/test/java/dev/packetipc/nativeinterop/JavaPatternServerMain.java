package dev.packetipc.nativeinterop;

import dev.packetipc.Connection;
import dev.packetipc.IpcOptions;
import dev.packetipc.Server;
import dev.packetipc.unix.UnixTransport;
import java.time.Duration;
import java.util.Arrays;

/**
 * A Java server in a child JVM (for the test that kills it): sends the pattern packets to one client, then either
 * END or nothing (it waits to be killed). Arguments: seed, count, batch, sizes (comma-separated), "end" or "hold",
 * and optionally the packet ring's size in bytes (IpcOptions.RING_BYTES; default: the default).
 * Prints "NAME name", "SENT n", "ENDED".
 */
public final class JavaPatternServerMain {
    private JavaPatternServerMain() {}

    /** Runs the server. */
    public static void main(String[] args) throws Exception {
        long seed = Long.parseLong(args[0]);
        long count = Long.parseLong(args[1]);
        int batch = Integer.parseInt(args[2]);
        int[] sizes =
                Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        boolean hold = args[4].equals("hold");
        IpcOptions options = args.length > 5
                ? IpcOptions.defaults().toBuilder()
                        .set(IpcOptions.RING_BYTES, Integer.parseInt(args[5]))
                        .build()
                : IpcOptions.defaults();
        try (Server server = new UnixTransport().newServer(options)) {
            System.out.println("NAME " + server.name());
            System.out.flush();
            try (Connection connection = server.accept(Duration.ofSeconds(60))) {
                for (long from = 0; from < count; from += batch) {
                    connection.send(PayloadPattern.packets(seed, sizes, from, Math.min(count, from + batch)));
                }
                System.out.println("SENT " + connection.packetsSent());
                System.out.flush();
                if (hold) {
                    Thread.sleep(120_000);
                }
                connection.sendEnd();
                System.out.println("ENDED");
                System.out.flush();
            }
        }
    }
}
