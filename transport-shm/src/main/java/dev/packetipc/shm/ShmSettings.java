package dev.packetipc.shm;

import dev.packetipc.IpcOptions;
import java.time.Duration;
import java.util.Map;

/** The options one server or client works with, resolved once. */
final class ShmSettings {
    /** The smallest cycle file: a stream rolls no more often than every this many bytes. */
    static final long MIN_ROLL_BYTES = 1L << 20;
    /** The largest cycle file (unless the buffer is larger): bounds what one file holds on disk. */
    static final long MAX_ROLL_BYTES = 32L << 20;
    /** The smallest document a batch is split into when it is larger (unless a single packet is larger). */
    static final long MIN_SPLIT_BYTES = 64L << 10;
    /** Batches are split into documents of about the buffer over this many, so the reader works while more come. */
    static final int DOCUMENTS_PER_BUFFER = 8;
    /** A lease that never runs out (liveness off), still convertible to nanoseconds without overflow. */
    static final long NEVER_MILLIS = Long.MAX_VALUE / 1_000_000L;

    final int maxPacketBytes;
    final int maxDocumentBytes;
    final long bufferBytes;
    final long rollBytes;
    final long splitBytes;
    final long leaseMillis;
    /** The server's stream properties (checked and copied by {@link IpcOptions}). */
    final Map<String, String> properties;

    ShmSettings(IpcOptions options) {
        this.maxPacketBytes = options.get(IpcOptions.MAX_PACKET_BYTES);
        // A document holds at least one packet of the largest size, whatever MAX_FRAME_BYTES says.
        this.maxDocumentBytes = Math.max(
                options.get(IpcOptions.MAX_FRAME_BYTES),
                maxPacketBytes + BatchLayout.HEADER_BYTES + BatchLayout.ENTRY_BYTES);
        this.bufferBytes = options.get(IpcOptions.BUFFER_BYTES);
        this.rollBytes = Math.max(bufferBytes, Math.min(MAX_ROLL_BYTES, Math.max(MIN_ROLL_BYTES, 4 * bufferBytes)));
        this.splitBytes = Math.min(maxDocumentBytes, Math.max(MIN_SPLIT_BYTES, bufferBytes / DOCUMENTS_PER_BUFFER));
        this.leaseMillis = leaseMillis(options);
        this.properties = options.get(IpcOptions.STREAM_PROPERTIES);
    }

    /**
     * How long the peer's heartbeat may stand still before it counts as gone: {@link ShmOptions#LEASE_TIMEOUT} where
     * set, else {@link IpcOptions#LIVENESS_TIMEOUT}, the option every transport honours; its 0 (off) becomes a lease
     * that never runs out, so only a peer whose process verifiably died is reported.
     */
    static long leaseMillis(IpcOptions options) {
        if (options.isSet(ShmOptions.LEASE_TIMEOUT)) {
            return options.get(ShmOptions.LEASE_TIMEOUT).toMillis();
        }
        Duration liveness = options.get(IpcOptions.LIVENESS_TIMEOUT);
        return liveness.isZero() ? NEVER_MILLIS : Math.max(liveness.toMillis(), 4L * Heartbeats.PERIOD_MILLIS);
    }
}
