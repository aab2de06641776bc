package dev.packetipc.cli;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A live line, redrawn four times a second, with packets, MB/s and elapsed time; shown only at a terminal and
 * erased when closed.
 */
final class ProgressLine implements AutoCloseable {
    private final PrintStream out;
    private final LongSupplier packets;
    private final LongSupplier bytes;
    private final long start = System.nanoTime();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    private ProgressLine(PrintStream out, LongSupplier packets, LongSupplier bytes, boolean show) {
        this.out = out;
        this.packets = packets;
        this.bytes = bytes;
        this.thread = show ? new Thread(this::redraw, "packet-ipc progress") : null;
        if (thread != null) {
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** A progress line on {@code out} if this process is at a terminal, else one that shows nothing. */
    static ProgressLine startIfInteractive(PrintStream out, LongSupplier packets, LongSupplier bytes) {
        return new ProgressLine(out, packets, bytes, Terminal.isInteractive());
    }

    private void redraw() {
        try {
            while (!stop.await(250, TimeUnit.MILLISECONDS)) {
                long nanos = System.nanoTime() - start;
                long sentBytes = bytes.getAsLong();
                out.print("\r  " + packets.getAsLong() + " packets  " + Units.megabytesPerSecond(sentBytes, nanos)
                        + "  " + Units.elapsed(nanos) + " elapsed   ");
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        stop.countDown();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.print("\r" + " ".repeat(72) + "\r");
        out.flush();
    }
}
