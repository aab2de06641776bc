package dev.packetipc.bench;

/**
 * What the two JVMs of a measurement spent while it ran, read from {@code /proc/<pid>/stat} and
 * {@code /proc/<pid>/status} by the harness (Linux; {@link #NONE} elsewhere).
 *
 * @param serverCpuNanos CPU time (user + system) of the sending JVM over the measured windows
 * @param clientCpuNanos CPU time of the receiving JVM over the measured windows
 * @param packets packets received over the same windows
 * @param serverRssBytes resident memory of the sending JVM at the end of the windows
 * @param clientRssBytes resident memory of the receiving JVM at the end of the windows
 * @param sharedBytes shared-memory and file-backed resident bytes of both JVMs at the end ({@code RssShmem} +
 *     {@code RssFile})
 */
public record Cost(
        long serverCpuNanos,
        long clientCpuNanos,
        long packets,
        long serverRssBytes,
        long clientRssBytes,
        long sharedBytes) {
    /** Not measured. */
    public static final Cost NONE = new Cost(-1, -1, 0, -1, -1, -1);

    /** Whether there are figures. */
    public boolean measured() {
        return serverCpuNanos >= 0 && packets > 0;
    }

    /** Whether the CPU times were read (also for an idle measurement, which has no packets). */
    public boolean read() {
        return serverCpuNanos >= 0;
    }

    /** Sender CPU nanoseconds per packet. */
    public double serverNanosPerPacket() {
        return (double) serverCpuNanos / packets;
    }

    /** Receiver CPU nanoseconds per packet. */
    public double clientNanosPerPacket() {
        return (double) clientCpuNanos / packets;
    }
}
