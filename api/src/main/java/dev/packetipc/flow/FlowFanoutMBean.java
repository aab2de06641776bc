package dev.packetipc.flow;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * One {@link FlowFanout}'s {@link FlowFanoutMXBean}, registered in one {@link MBeanServer}; {@link #close()}
 * unregisters it, and so does closing the fan-out. Made by {@link FlowFanout#registerMBean(MBeanServer)}.
 */
public final class FlowFanoutMBean implements FlowFanoutMXBean, AutoCloseable {
    /** The JMX domain of every packet-ipc MBean. */
    public static final String DOMAIN = "dev.packetipc";

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final FlowFanout fanout;
    private final MBeanServer server;
    private final ObjectName name;

    private FlowFanoutMBean(FlowFanout fanout, MBeanServer server, ObjectName name) {
        this.fanout = fanout;
        this.server = server;
        this.name = name;
    }

    /**
     * A fresh name for a fan-out's MBean in this JVM: {@code dev.packetipc:type=FlowFanout,name=fanout-N}, with N
     * counting from 1.
     */
    static ObjectName nextName() {
        try {
            return new ObjectName(DOMAIN + ":type=FlowFanout,name=fanout-" + SEQUENCE.incrementAndGet());
        } catch (MalformedObjectNameException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Registers the fan-out's MBean under {@code name}.
     *
     * @return registers the fan-out's MBean under {@code name}
     */
    static FlowFanoutMBean register(FlowFanout fanout, MBeanServer server, ObjectName name) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(name, "name");
        FlowFanoutMBean bean = new FlowFanoutMBean(fanout, server, name);
        try {
            server.registerMBean(bean, name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException(
                    "an MBean named " + name + " is already registered in this MBean server; pass another name, or"
                            + " close the registration that holds it",
                    e);
        } catch (JMException e) {
            throw new IllegalStateException(
                    "the MBean server refused the flow fan-out's MBean " + name + ": " + e.getMessage(), e);
        }
        return bean;
    }

    /**
     * The name the MBean is registered under.
     *
     * @return the name the MBean is registered under
     */
    public ObjectName objectName() {
        return name;
    }

    /**
     * Whether the MBean is still registered.
     *
     * @return whether the MBean is still registered
     */
    public boolean isRegistered() {
        return server.isRegistered(name);
    }

    /** Unregisters the MBean; idempotent, also when someone else unregistered it first. */
    @Override
    public void close() {
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            // already gone: nothing to do
        } catch (JMException e) {
            throw new IllegalStateException("the MBean server would not unregister " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String getDescription() {
        return fanout.toString();
    }

    @Override
    public boolean isOpen() {
        return fanout.isOpen();
    }

    @Override
    public int getWorkerCount() {
        return fanout.workerCount();
    }

    @Override
    public int getLiveWorkers() {
        int live = 0;
        for (WorkerCounters worker : fanout.counters()) {
            live += worker.live() ? 1 : 0;
        }
        return live;
    }

    @Override
    public int getBucketCount() {
        return fanout.bucketCount();
    }

    @Override
    public long getPackets() {
        return total(WorkerCounters::packets);
    }

    @Override
    public long getBytes() {
        return total(WorkerCounters::bytes);
    }

    @Override
    public long getBatches() {
        return total(WorkerCounters::batches);
    }

    @Override
    public long getDroppedPackets() {
        return total(WorkerCounters::droppedPackets);
    }

    @Override
    public long getDroppedBytes() {
        return total(WorkerCounters::droppedBytes);
    }

    @Override
    public long getBucketsMovedIn() {
        return total(WorkerCounters::bucketsMovedIn);
    }

    @Override
    public boolean[] getWorkerLive() {
        List<WorkerCounters> all = fanout.counters();
        boolean[] live = new boolean[all.size()];
        for (int w = 0; w < live.length; w++) {
            live[w] = all.get(w).live();
        }
        return live;
    }

    @Override
    public long[] getWorkerPackets() {
        return each(WorkerCounters::packets);
    }

    @Override
    public long[] getWorkerBytes() {
        return each(WorkerCounters::bytes);
    }

    @Override
    public long[] getWorkerBatches() {
        return each(WorkerCounters::batches);
    }

    @Override
    public long[] getWorkerDroppedPackets() {
        return each(WorkerCounters::droppedPackets);
    }

    @Override
    public long[] getWorkerDroppedBytes() {
        return each(WorkerCounters::droppedBytes);
    }

    @Override
    public int[] getWorkerBuckets() {
        return fanout.counters().stream().mapToInt(WorkerCounters::buckets).toArray();
    }

    @Override
    public long[] getWorkerBucketsMovedIn() {
        return each(WorkerCounters::bucketsMovedIn);
    }

    private long total(ToLongFunction<WorkerCounters> field) {
        return fanout.counters().stream().mapToLong(field).sum();
    }

    private long[] each(ToLongFunction<WorkerCounters> field) {
        return fanout.counters().stream().mapToLong(field).toArray();
    }

    @Override
    public String toString() {
        return "FlowFanoutMBean[" + name + "]";
    }
}
