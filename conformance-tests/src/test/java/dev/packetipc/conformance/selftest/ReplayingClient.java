package dev.packetipc.conformance.selftest;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.Packet;
import dev.packetipc.PacketHandler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A client that takes packets from a correct one into a buffer and hands them to {@code poll}'s handler from there,
 * dropping them from the buffer only after the handler returned for all of them: a handler that throws sees the same
 * packets again on the next poll. The fault R113 must catch.
 */
final class ReplayingClient implements Client {
    private final Client delegate;
    private final Deque<Packet> pending = new ArrayDeque<>();

    ReplayingClient(Client delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Optional<List<IpcPacket>> receivePackets(int maxPackets) throws IpcException {
        return pending.isEmpty() ? delegate.receivePackets(maxPackets) : Optional.of(takePending(maxPackets));
    }

    @Override
    public Optional<List<IpcPacket>> receivePackets(int maxPackets, Duration timeout) throws IpcException {
        return pending.isEmpty() ? delegate.receivePackets(maxPackets, timeout) : Optional.of(takePending(maxPackets));
    }

    private List<IpcPacket> takePending(int maxPackets) {
        List<IpcPacket> packets = new ArrayList<>();
        while (packets.size() < maxPackets && !pending.isEmpty()) {
            packets.add(pending.poll());
        }
        return packets;
    }

    @Override
    public int poll(PacketHandler handler, int limit) throws IpcException {
        return poll(handler, limit, Duration.ZERO);
    }

    @Override
    public int poll(PacketHandler handler, int limit, Duration timeout) throws IpcException {
        if (pending.isEmpty()) {
            int n = delegate.poll(packet -> pending.add(packet.toPacket()), limit, timeout);
            if (n <= 0) {
                return n;
            }
        }
        int handed = 0;
        for (Iterator<Packet> it = pending.iterator(); it.hasNext() && handed < limit; handed++) {
            handler.onPacket(it.next()); // the fault: nothing is dropped from pending if this throws
        }
        for (int i = 0; i < handed; i++) {
            pending.poll();
        }
        return handed;
    }

    @Override
    public Stream<IpcPacket> stream() {
        return delegate.stream();
    }

    @Override
    public boolean isEndOfStreamReceived() {
        return delegate.isEndOfStreamReceived();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
