package dev.packetipc.cli;

import dev.packetipc.Client;
import dev.packetipc.PacketIpc;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The demo's receiving process (hidden): connects, checksums every packet without copying it, and prints one
 * {@link StreamDigest#resultLine()} at the end of the stream. It gives up when the process that started it is gone.
 */
@Command(name = "receive-child", hidden = true, description = "The demo's receiving process.")
final class ReceiveChildCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The server's name.")
    String name;

    @Override
    public Integer call() throws Exception {
        StreamDigest digest = new StreamDigest();
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        try (Client client = PacketIpc.connect(name)) {
            while (true) {
                int got = client.poll(digest::update, 4096, Duration.ofSeconds(1));
                if (got == Client.END_OF_STREAM) {
                    break;
                }
                if (got == 0 && parent != null && !parent.isAlive()) {
                    throw new IllegalStateException("the demo process that started this receiver is gone");
                }
            }
        }
        System.out.println(digest.resultLine());
        System.out.flush();
        return ExitCodes.OK;
    }
}
