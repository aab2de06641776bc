package dev.packetipc.flow;

import dev.packetipc.AsIpcPacket;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.PeerGoneException;
import dev.packetipc.Server;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Splits one packet stream across several workers by flow, the way Suricata's autofp mode or Linux
 * {@code PACKET_FANOUT_HASH} do: every packet of a flow, both directions, goes to one worker, in order.
 *
 * <p>Each worker is one {@link Connection}, of any transport. {@link #send} keys every packet with
 * {@link FlowHash} (symmetric; fields as the {@link FlowRule} says), maps the key to one of {@link #bucketCount()}
 * flow buckets and each bucket to a worker by rendezvous (highest random weight) hashing, then sends each worker its
 * share of the batch as one batch, in the input's order. Packets {@link FlowHash} cannot key (not IP, truncated, an
 * unsupported link type) go to the lowest-numbered live worker: worker 0 while it lives.
 *
 * <p>When a worker's connection fails ({@link PeerGoneException}, or it was closed), by default
 * ({@link WorkerLossPolicy#MOVE_FLOWS}) its buckets, and only its buckets, move to the remaining workers; its share
 * of the batch being sent goes to them too, and the loss is logged (logger {@code dev.packetipc.flow}, WARNING) and
 * counted. A slow worker makes {@code send} wait ({@link SlowWorkerPolicy#BLOCK}, default) or loses its share
 * ({@link SlowWorkerPolicy#DROP}).
 *
 * <p>Per packet, the fan-out reads the headers in place and appends the packet to a reused list: it allocates nothing
 * and throws nothing (what the packet's own {@link AsIpcPacket#data()} costs aside). Counters are updated once per
 * batch and read with {@link #counters()}, through JMX once {@link #registerMBean registered}, or through Micrometer
 * with the {@code packet-ipc-micrometer} module.
 *
 * <p>One thread sends at a time, as on a {@link Connection}; {@link #close()} and {@link #counters()} may be called
 * from any thread. The fan-out owns its connections and closes them.
 */
public final class FlowFanout implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.packetipc.flow");

    private final Connection[] connections;
    private final int linkType;
    private final FlowRule rule;
    private final SlowWorkerPolicy slowWorker;
    private final Duration dropTimeout;
    private final WorkerLossPolicy workerLoss;
    private final int[] owner;
    private final int mask;
    private final Worker[] workers;
    private final List<List<AsIpcPacket>> shares;
    private final long[] shareBytes;
    private final List<AsIpcPacket> orphans = new ArrayList<>();
    private volatile int liveWorkers;
    private int unclassifiedWorker;
    private volatile boolean ended;
    private volatile boolean closed;
    private final List<FlowFanoutMBean> mbeans = new CopyOnWriteArrayList<>();

    /** One worker's state; written by the sending thread only, once per batch, read by {@link #counters()}. */
    private static final class Worker {
        final long seed;
        volatile boolean live = true;
        volatile long packets;
        volatile long bytes;
        volatile long batches;
        volatile long droppedPackets;
        volatile long droppedBytes;
        volatile int buckets;
        volatile long bucketsMovedIn;

        Worker(long seed) {
            this.seed = seed;
        }
    }

    private FlowFanout(Builder builder, List<Connection> connections) {
        this.connections = connections.toArray(new Connection[0]);
        this.linkType = builder.linkType;
        this.rule = builder.rule;
        this.slowWorker = builder.slowWorker;
        this.dropTimeout = builder.dropTimeout;
        this.workerLoss = builder.workerLoss;
        int n = this.connections.length;
        int buckets = Integer.highestOneBit(Math.max(4096, n * 64) - 1) << 1;
        this.owner = new int[buckets];
        this.mask = buckets - 1;
        this.workers = new Worker[n];
        this.shares = new ArrayList<>(n);
        this.shareBytes = new long[n];
        for (int w = 0; w < n; w++) {
            workers[w] = new Worker(FlowHash.mix(0x5851F42D4C957F2DL * (w + 1)));
            shares.add(new ArrayList<>());
        }
        this.liveWorkers = n;
        for (int b = 0; b < buckets; b++) {
            int chosen = rendezvous(b);
            owner[b] = chosen;
            workers[chosen].buckets++;
        }
    }

    /**
     * A builder for a fan-out of packets of the given pcap link type (see {@link LinkTypes}; with any other, every
     * packet is unclassified and goes to one worker).
     *
     * @param linkType the pcap link type of every packet the fan-out will send
     * @return a builder with every option at its default
     */
    public static Builder builder(int linkType) {
        return new Builder(linkType);
    }

    /** The options of a {@link FlowFanout}; every one has a default. */
    public static final class Builder {
        private final int linkType;
        private FlowRule rule = FlowRule.UDP_BY_ADDRESSES;
        private SlowWorkerPolicy slowWorker = SlowWorkerPolicy.BLOCK;
        private Duration dropTimeout = Duration.ZERO;
        private WorkerLossPolicy workerLoss = WorkerLossPolicy.MOVE_FLOWS;

        private Builder(int linkType) {
            this.linkType = linkType;
        }

        /**
         * Which header fields make the flow key; default {@link FlowRule#UDP_BY_ADDRESSES}.
         *
         * @param rule the fields of the flow key
         * @return this builder
         */
        public Builder flowRule(FlowRule rule) {
            this.rule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * What to do with a worker that does not keep up; default {@link SlowWorkerPolicy#BLOCK}.
         *
         * @param policy block the sender, or drop the slow worker's share
         * @return this builder
         */
        public Builder slowWorker(SlowWorkerPolicy policy) {
            this.slowWorker = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How long {@link SlowWorkerPolicy#DROP} waits for a worker to make room before it drops that worker's
         * share of a batch; default zero (no wait).
         *
         * @param timeout the wait, zero or positive
         * @return this builder
         * @throws IllegalArgumentException if the timeout is negative
         */
        public Builder dropTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("the drop timeout must not be negative, was " + timeout);
            }
            this.dropTimeout = timeout;
            return this;
        }

        /**
         * What to do when a worker's connection fails; default {@link WorkerLossPolicy#MOVE_FLOWS}.
         *
         * @param policy move the lost worker's flows to the others, or end the stream
         * @return this builder
         */
        public Builder onWorkerLoss(WorkerLossPolicy policy) {
            this.workerLoss = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * A fan-out over these connections, one worker each, numbered in list order. The fan-out owns them from now
         * on.
         *
         * @param connections one connection per worker, in worker order
         * @return the fan-out, open
         * @throws IllegalArgumentException if the list is empty or holds one connection twice
         */
        public FlowFanout build(List<? extends Connection> connections) {
            Objects.requireNonNull(connections, "connections");
            if (connections.isEmpty()) {
                throw new IllegalArgumentException("a flow fan-out needs at least one connection");
            }
            List<Connection> copy = new ArrayList<>(connections.size());
            for (Connection connection : connections) {
                Objects.requireNonNull(connection, "a connection in the list is null");
                for (Connection earlier : copy) {
                    if (earlier == connection) {
                        throw new IllegalArgumentException("the connection " + connection
                                + " is in the list twice; give each worker its own connection");
                    }
                }
                copy.add(connection);
            }
            return new FlowFanout(this, copy);
        }

        /**
         * Accepts {@code workers} clients from the server, waiting at most {@code timeout} for each, and builds a
         * fan-out over them in the order they were accepted. On failure the connections accepted so far are closed.
         *
         * @param server the server to accept from
         * @param workers how many clients to accept, at least 1
         * @param timeout the longest wait for each client
         * @return the fan-out, open
         * @throws IllegalArgumentException if {@code workers} is less than 1
         * @throws IpcTimeoutException if a client did not connect in time
         * @throws ClosedException if the server is or gets closed
         */
        public FlowFanout accept(Server server, int workers, Duration timeout) throws IpcException {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(timeout, "timeout");
            if (workers < 1) {
                throw new IllegalArgumentException("a flow fan-out needs at least one worker, was " + workers);
            }
            List<Connection> accepted = new ArrayList<>(workers);
            boolean done = false;
            try {
                while (accepted.size() < workers) {
                    accepted.add(server.accept(timeout));
                }
                FlowFanout fanout = build(accepted);
                done = true;
                return fanout;
            } finally {
                if (!done) {
                    accepted.forEach(Connection::close);
                }
            }
        }
    }

    /**
     * Sends the batch, each worker its share as one batch. Returns once every live worker's share was sent (or, under
     * {@link SlowWorkerPolicy#DROP}, dropped). The packets may be reused once this returns. If it throws, some
     * workers may have received their shares of this batch and others not.
     *
     * @param batch the packets to send, in order; each goes to the worker of its flow
     * @throws PeerGoneException if no worker is left, or a worker was lost under {@link WorkerLossPolicy#END_STREAM}
     * @throws ClosedException if the fan-out was closed or the end was already sent
     */
    public void send(List<? extends AsIpcPacket> batch) throws IpcException {
        Objects.requireNonNull(batch, "batch");
        checkSendable();
        try {
            for (AsIpcPacket packet : batch) {
                add(packet);
            }
            deliverAll();
        } finally {
            for (int w = 0; w < shares.size(); w++) {
                shares.get(w).clear(); // drop references to the caller's packets, whatever happened
                shareBytes[w] = 0;
            }
            orphans.clear();
        }
    }

    /** Puts one packet in its worker's share: the whole per-packet path. */
    private void add(AsIpcPacket packet) {
        ByteBuffer data = packet.data();
        int length = data.remaining();
        long hash = FlowHash.hash(data, data.position(), length, linkType, rule);
        int w = hash < 0 ? unclassifiedWorker : owner[(int) hash & mask];
        shares.get(w).add(packet);
        shareBytes[w] += length;
    }

    /** Sends every non-empty share, moving the shares of workers lost on the way, until all are empty. */
    private void deliverAll() throws IpcException {
        boolean again = true;
        while (again) {
            again = false;
            for (int w = 0; w < shares.size(); w++) {
                List<AsIpcPacket> share = shares.get(w);
                if (share.isEmpty()) {
                    continue;
                }
                IpcException failure = deliver(w, share);
                if (failure == null) {
                    share.clear();
                    shareBytes[w] = 0;
                    continue;
                }
                orphans.addAll(share);
                share.clear();
                shareBytes[w] = 0;
                lose(w, failure);
                for (AsIpcPacket packet : orphans) {
                    add(packet);
                }
                orphans.clear();
                again = true; // the orphans may have gone to workers already served in this pass
            }
        }
    }

    /**
     * Sends one worker's share, or drops it under {@link SlowWorkerPolicy#DROP}; returns the failure that lost the
     * worker with the share still to be moved, or null when the share is done with.
     */
    private IpcException deliver(int w, List<AsIpcPacket> share) throws IpcException {
        Connection connection = connections[w];
        Worker worker = workers[w];
        int size = share.size();
        long packetsBefore = 0;
        long bytesBefore = 0;
        try {
            if (slowWorker == SlowWorkerPolicy.BLOCK) {
                connection.send(share);
            } else {
                packetsBefore = connection.packetsSent(); // once per share, to count a prefix sent before a timeout
                bytesBefore = connection.bytesSent();
                connection.send(share, dropTimeout);
            }
            worker.packets += size;
            worker.bytes += shareBytes[w];
            worker.batches++;
            return null;
        } catch (IpcTimeoutException e) {
            if (closed) {
                throw new ClosedException("the flow fan-out was closed while sending", e);
            }
            // the send may have sent a leading part of the share (the connection counted it): that part arrives
            long sent = Math.max(0, Math.min(size, connection.packetsSent() - packetsBefore));
            long sentBytes = sent == 0 ? 0 : Math.max(0, Math.min(shareBytes[w], connection.bytesSent() - bytesBefore));
            if (sent > 0) {
                worker.packets += sent;
                worker.bytes += sentBytes;
                worker.batches++;
            }
            worker.droppedPackets += size - sent;
            worker.droppedBytes += shareBytes[w] - sentBytes;
            if (!connection.isOpen()) {
                lose(w, e); // a transport that cut a frame short closed the connection; the share stays dropped
            }
            return null;
        } catch (IpcException e) {
            if (closed) {
                throw new ClosedException("the flow fan-out was closed while sending", e);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw e; // the caller was interrupted: not the worker's fault
            }
            return e;
        }
    }

    /** Takes a failed worker out: moves its buckets (or ends the stream) and logs it. */
    private void lose(int lost, IpcException cause) throws IpcException {
        Worker worker = workers[lost];
        worker.live = false;
        liveWorkers--;
        connections[lost].close();
        if (workerLoss == WorkerLossPolicy.END_STREAM) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "flow fan-out: worker {0} ({1}) failed, so the stream ends for every worker: {2}",
                    String.valueOf(lost),
                    connections[lost],
                    cause.getMessage());
            close();
            throw new PeerGoneException(
                    "worker " + lost + " of the flow fan-out failed (" + cause.getMessage() + "), and the fan-out"
                            + " ends the stream when a worker fails (WorkerLossPolicy.END_STREAM); every connection"
                            + " is closed",
                    cause);
        }
        if (liveWorkers == 0) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "flow fan-out: the last worker, {0}, failed: {1}",
                    String.valueOf(lost),
                    cause.getMessage());
            throw new PeerGoneException(
                    "every worker of the flow fan-out is gone, the last (worker " + lost + ") with: "
                            + cause.getMessage() + "; nothing more can be sent",
                    cause);
        }
        int moved = 0;
        for (int b = 0; b < owner.length; b++) {
            if (owner[b] == lost) {
                int chosen = rendezvous(b);
                owner[b] = chosen;
                workers[chosen].buckets++;
                workers[chosen].bucketsMovedIn++;
                moved++;
            }
        }
        worker.buckets = 0;
        while (!workers[unclassifiedWorker].live) {
            unclassifiedWorker++;
        }
        LOG.log(
                System.Logger.Level.WARNING,
                "flow fan-out: worker {0} ({1}) is lost ({2}); its {3} of {4} flow buckets move to the {5} remaining"
                        + " workers, unclassified packets go to worker {6}",
                String.valueOf(lost),
                connections[lost],
                cause.getMessage(),
                String.valueOf(moved),
                String.valueOf(owner.length),
                String.valueOf(liveWorkers),
                String.valueOf(unclassifiedWorker));
    }

    /** The live worker with the highest weight for the bucket. */
    private int rendezvous(int bucket) {
        long key = FlowHash.mix(0x9E3779B97F4A7C15L * (bucket + 1));
        int best = -1;
        long bestWeight = 0;
        for (int w = 0; w < workers.length; w++) {
            if (!workers[w].live) {
                continue;
            }
            long weight = FlowHash.mix(key ^ workers[w].seed);
            if (best < 0 || Long.compareUnsigned(weight, bestWeight) > 0) {
                best = w;
                bestWeight = weight;
            }
        }
        return best;
    }

    /**
     * Sends the end of the stream to every live worker. A worker that fails now is counted lost (nothing is left to
     * move), or ends the stream under {@link WorkerLossPolicy#END_STREAM}. Later sends fail; a second call does
     * nothing.
     *
     * <p>The API has no timed {@link Connection#sendEnd()}, so under {@link SlowWorkerPolicy#DROP} too the end may
     * wait for a slow worker to take it: not on {@code inprocess}, where the end never waits, but on {@code unix} and
     * {@code pipe} while that worker's socket or pipe is full. {@link #close()} from another thread ends the wait.
     *
     * @throws PeerGoneException if no worker received the end
     * @throws ClosedException if the fan-out was closed
     */
    public void sendEnd() throws IpcException {
        if (closed) {
            throw new ClosedException("the flow fan-out is closed");
        }
        if (ended) {
            return;
        }
        if (liveWorkers == 0) {
            throw new PeerGoneException("every worker of the flow fan-out is gone; no worker can receive the end");
        }
        for (int w = 0; w < connections.length; w++) {
            if (!workers[w].live) {
                continue;
            }
            try {
                connections[w].sendEnd();
            } catch (IpcException e) {
                if (closed) {
                    throw new ClosedException("the flow fan-out was closed while sending the end", e);
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                lose(w, e);
            }
        }
        ended = true;
    }

    private void checkSendable() throws IpcException {
        if (closed) {
            throw new ClosedException("the flow fan-out is closed");
        }
        if (ended) {
            throw new ClosedException("the end of the stream was already sent through this flow fan-out");
        }
        if (liveWorkers == 0) {
            throw new PeerGoneException("every worker of the flow fan-out is gone; nothing more can be sent");
        }
    }

    /**
     * The worker a packet would go to now: the owner of its flow's bucket, or for an unclassified packet the
     * lowest-numbered live worker. Reads the packet as {@link #send} does. Call it from the sending thread.
     *
     * @param packet the packet, read but not sent
     * @return the worker's number, from 0
     * @throws PeerGoneException if no worker is left
     */
    public int workerOf(AsIpcPacket packet) throws PeerGoneException {
        if (liveWorkers == 0) {
            throw new PeerGoneException("every worker of the flow fan-out is gone");
        }
        ByteBuffer data = packet.data();
        long hash = FlowHash.hash(data, data.position(), data.remaining(), linkType, rule);
        return hash < 0 ? unclassifiedWorker : owner[(int) hash & mask];
    }

    /**
     * How many flow buckets the flow space is cut into: a power of two, at least 4096 and 64 per worker.
     *
     * @return the number of buckets
     */
    public int bucketCount() {
        return owner.length;
    }

    /**
     * How many workers the fan-out was built with, lost ones included.
     *
     * @return the number of workers
     */
    public int workerCount() {
        return connections.length;
    }

    /**
     * A snapshot of every worker's counters, in worker order.
     *
     * @return one entry per worker, lost ones included
     */
    public List<WorkerCounters> counters() {
        WorkerCounters[] all = new WorkerCounters[workers.length];
        for (int w = 0; w < workers.length; w++) {
            Worker worker = workers[w];
            all[w] = new WorkerCounters(
                    w,
                    worker.live,
                    worker.packets,
                    worker.bytes,
                    worker.batches,
                    worker.droppedPackets,
                    worker.droppedBytes,
                    worker.buckets,
                    worker.bucketsMovedIn);
        }
        return List.of(all);
    }

    /**
     * Registers this fan-out's {@link FlowFanoutMXBean} in {@code server} under a fresh name,
     * {@code dev.packetipc:type=FlowFanout,name=fanout-N}. Nothing is registered unless this is called. Pass
     * {@link java.lang.management.ManagementFactory#getPlatformMBeanServer()} for JConsole and VisualVM. The MBean is
     * unregistered by closing what this returns, or by closing the fan-out. Any thread.
     *
     * @param server where to register it
     * @return the registration; closing it unregisters the MBean
     * @throws IllegalStateException if the MBean server refuses it
     */
    public FlowFanoutMBean registerMBean(MBeanServer server) {
        return registerMBean(server, FlowFanoutMBean.nextName());
    }

    /**
     * Registers this fan-out's {@link FlowFanoutMXBean} in {@code server} under {@code name}, as
     * {@link #registerMBean(MBeanServer)} does.
     *
     * @param server where to register it
     * @param name the MBean's name
     * @return the registration; closing it unregisters the MBean
     * @throws IllegalStateException if an MBean of that name is already registered there, or the server refuses it
     */
    public FlowFanoutMBean registerMBean(MBeanServer server, ObjectName name) {
        FlowFanoutMBean bean = FlowFanoutMBean.register(this, server, name);
        mbeans.add(bean);
        if (closed) {
            bean.close();
        }
        return bean;
    }

    /**
     * Whether the fan-out can still send: not closed, the end not sent, and some worker live.
     *
     * @return true while {@link #send} can succeed
     */
    public boolean isOpen() {
        return !closed && !ended && liveWorkers > 0;
    }

    /**
     * Closes every connection (without the end, unless {@link #sendEnd()} sent it) and wakes a blocked {@code send},
     * which then throws {@link ClosedException}. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        for (Connection connection : connections) {
            connection.close();
        }
        for (FlowFanoutMBean bean : mbeans) {
            bean.close();
        }
    }

    @Override
    public String toString() {
        return "FlowFanout[" + LinkTypes.name(linkType) + ", " + rule + ", " + slowWorker + ", " + workerLoss
                + ", workers=" + connections.length + ", live=" + liveWorkers + ", buckets=" + owner.length
                + ", connections=" + Arrays.toString(connections) + "]";
    }
}
