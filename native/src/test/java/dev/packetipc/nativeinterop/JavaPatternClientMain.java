package dev.packetipc.nativeinterop;

import dev.packetipc.Client;
import dev.packetipc.IpcOptions;
import dev.packetipc.unix.UnixTransport;
import java.time.Duration;

/**
 * A Java client in a child JVM (for the test that kills it): connects to the name in its first argument, receives at
 * least the number of packets in its second, prints "RECEIVED n", then stops reading and waits to be killed. A third
 * argument "noring" makes it decline the packet ring (IpcOptions.RING_BYTES 0).
 */
public final class JavaPatternClientMain {
    private JavaPatternClientMain() {}

    /** Runs the client. */
    public static void main(String[] args) throws Exception {
        long wanted = Long.parseLong(args[1]);
        IpcOptions options = args.length > 2 && args[2].equals("noring")
                ? IpcOptions.defaults().toBuilder()
                        .set(IpcOptions.RING_BYTES, 0)
                        .build()
                : IpcOptions.defaults();
        try (Client client = new UnixTransport().connect(args[0], options)) {
            long received = 0;
            while (received < wanted) {
                int n = client.poll(packet -> {}, 256, Duration.ofSeconds(60));
                if (n <= 0) {
                    System.out.println("STOPPED " + n);
                    return;
                }
                received += n;
            }
            System.out.println("RECEIVED " + received);
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}
