package dev.packetipc.inprocess;

import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.PacketHandler;
import dev.packetipc.PeerGoneException;
import dev.packetipc.spi.AbstractClient;
import dev.packetipc.spi.PacketView;
import java.util.Map;

/** The client side of an in-process pipe. Hands out one reused {@link PacketView}. */
final class InProcessClient extends AbstractClient {
    private final InProcessPipe pipe;
    private final PacketView view = new PacketView();
    private final InProcessPipe.Signal[] why = new InProcessPipe.Signal[1];
    private InProcessPipe.Batch current;
    private int index;
    private volatile boolean endSeen;

    InProcessClient(String name, InProcessPipe pipe, Map<String, String> properties) {
        super(name);
        this.pipe = pipe;
        setProperties(properties);
    }

    @Override
    protected int pollPackets(PacketHandler handler, int limit, long waitNanos) throws IpcException {
        int delivered = 0;
        while (delivered < limit) {
            if (current == null) {
                try {
                    current = pipe.take(delivered == 0 ? waitNanos : 0, why);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ClosedException("interrupted while receiving from " + name(), e);
                }
                if (current == null) {
                    return delivered > 0 ? delivered : noBatch(why[0]);
                }
                index = 0;
            }
            InProcessPipe.Batch batch = current;
            int count = batch.timestamps.length;
            try {
                while (index < count && delivered < limit) {
                    int start = index == 0 ? 0 : batch.ends[index - 1];
                    view.wrap(batch.timestamps[index], batch.data, start, batch.ends[index] - start);
                    index++; // consumed before the handler runs: a handler that throws does not see it again
                    delivered++;
                    handler.onPacket(view);
                }
            } finally {
                if (index == count) {
                    current = null;
                    pipe.release(batch);
                }
            }
        }
        return delivered;
    }

    private int noBatch(InProcessPipe.Signal signal) throws IpcException {
        switch (signal) {
            case END:
                endSeen = true;
                return END_OF_STREAM;
            case SENDER_GONE:
                throw new PeerGoneException("the server's connection for this client of " + name()
                        + " closed without sending the end of the stream; packets sent after the last one received"
                        + " may be lost");
            case RECEIVER_CLOSED:
                throw new ClosedException("this client of " + name() + " was closed");
            default:
                return 0;
        }
    }

    @Override
    public boolean isEndOfStreamReceived() {
        return endSeen || pipe.isEnded();
    }

    @Override
    protected void closeTransport() {
        pipe.closeReceiver();
    }
}
