package dev.packetipc.inprocess;

import dev.packetipc.Client;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Server;
import dev.packetipc.spi.Timeouts;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** An in-process server: clients queue up on connect and are handed out by {@link #accept()}. */
final class InProcessServer implements Server {
    private final String name;
    private final int bufferBytes;
    private final int maxPacketBytes;
    private final Map<String, String> properties;
    private final Runnable unregister;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Deque<InProcessPipe> pending = new ArrayDeque<>();
    private boolean closed;

    InProcessServer(String name, IpcOptions options, Runnable unregister) {
        this.name = name;
        this.bufferBytes = options.get(IpcOptions.BUFFER_BYTES);
        this.maxPacketBytes = options.get(IpcOptions.MAX_PACKET_BYTES);
        this.properties = options.get(IpcOptions.STREAM_PROPERTIES);
        this.unregister = unregister;
    }

    Client connect() throws IpcException {
        lock.lock();
        try {
            if (closed) {
                throw new NoSuchServerException("the in-process server " + name + " has closed");
            }
            InProcessPipe pipe = new InProcessPipe(name, bufferBytes);
            pending.add(pipe);
            arrived.signal();
            return new InProcessClient(name, pipe, properties);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Connection accept() throws IpcException {
        return accept0(Long.MAX_VALUE, null);
    }

    @Override
    public Connection accept(Duration timeout) throws IpcException {
        return accept0(Timeouts.toNanos(timeout), timeout);
    }

    private Connection accept0(long nanos, Duration timeout) throws IpcException {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new ClosedException("the server " + name + " is closed; no more clients are accepted");
                }
                InProcessPipe pipe = pending.poll();
                if (pipe != null) {
                    return new InProcessConnection(pipe, maxPacketBytes);
                }
                if (nanos <= 0) {
                    throw new IpcTimeoutException("no client connected to " + name + " within " + timeout);
                }
                nanos = nanos == Long.MAX_VALUE ? awaitForever() : arrived.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedException("interrupted while accepting on " + name, e);
        } finally {
            lock.unlock();
        }
    }

    private long awaitForever() throws InterruptedException {
        arrived.await(1, TimeUnit.DAYS);
        return Long.MAX_VALUE;
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (InProcessPipe pipe : pending) {
                pipe.closeSender();
            }
            pending.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        unregister.run();
    }
}
