package dev.packetipc.shm;

import dev.packetipc.IpcOptions;

/** The options one server or client works with, resolved once. */
final class ShmSettings {
    final int maxDocumentBytes;
    final long bufferBytes;
    final long rollBytes;
    final long leaseMillis;

    ShmSettings(IpcOptions options) {
        this.maxDocumentBytes = options.get(IpcOptions.MAX_FRAME_BYTES);
        this.bufferBytes = options.get(IpcOptions.BUFFER_BYTES);
        this.rollBytes = Math.max(bufferBytes, 1 << 20);
        this.leaseMillis = options.get(ShmOptions.LEASE_TIMEOUT).toMillis();
    }
}
