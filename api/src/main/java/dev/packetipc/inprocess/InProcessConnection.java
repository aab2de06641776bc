package dev.packetipc.inprocess;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.spi.PacketLimits;
import dev.packetipc.spi.Timeouts;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/** The server's side of one in-process client. */
final class InProcessConnection implements Connection {
    private final InProcessPipe pipe;
    private final int maxPacketBytes;
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();

    InProcessConnection(InProcessPipe pipe, int maxPacketBytes) {
        this.pipe = pipe;
        this.maxPacketBytes = maxPacketBytes;
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch) throws IpcException {
        send0(batch, Long.MAX_VALUE);
    }

    @Override
    public void send(List<? extends AsIpcPacket> batch, Duration timeout) throws IpcException {
        send0(batch, Timeouts.toNanos(timeout));
    }

    private void send0(List<? extends AsIpcPacket> batch, long waitNanos) throws IpcException {
        Objects.requireNonNull(batch, "batch");
        if (batch.isEmpty()) {
            pipe.checkSendable(); // nothing to deliver, but a closed or ended connection still says so
            return;
        }
        PacketLimits.check(batch, maxPacketBytes, "raise IpcOptions.MAX_PACKET_BYTES on the server");
        InProcessPipe.Batch copy = InProcessPipe.copy(batch);
        pipe.send(copy, waitNanos);
        packets.addAndGet(batch.size());
        bytes.addAndGet(copy.data.capacity());
        batches.incrementAndGet();
    }

    /** Never waits: the end is a flag the client sees after the batches already queued. */
    @Override
    public void sendEnd() throws IpcException {
        pipe.sendEnd();
    }

    /** As {@link #sendEnd()}, which never waits here; the timeout is only checked. */
    @Override
    public void sendEnd(Duration timeout) throws IpcException {
        Objects.requireNonNull(timeout, "timeout");
        pipe.sendEnd();
    }

    /** The server's {@link dev.packetipc.IpcOptions#MAX_PACKET_BYTES}: the in-process transport has no other limit. */
    @Override
    public int maxPacketBytes() {
        return maxPacketBytes;
    }

    @Override
    public long packetsSent() {
        return packets.get();
    }

    @Override
    public long bytesSent() {
        return bytes.get();
    }

    @Override
    public long batchesSent() {
        return batches.get();
    }

    @Override
    public boolean isOpen() {
        return pipe.isSenderOpen();
    }

    @Override
    public void close() {
        pipe.closeSender();
    }

    @Override
    public String toString() {
        return "InProcessConnection[" + pipe.name() + "]";
    }
}
