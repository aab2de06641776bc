package dev.packetipc.micrometer;

import dev.packetipc.flow.FlowFanout;
import dev.packetipc.flow.WorkerCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link FlowFanout}'s per-worker counters to a Micrometer registry: for every worker, tagged
 * {@code fanout=<name>} and {@code worker=<index>} (plus the tags given):
 *
 * <ul>
 *   <li>counters {@value #PACKETS}, {@value #BYTES}, {@value #BATCHES}: what the worker's connection accepted;
 *   <li>counters {@value #DROPPED_PACKETS}, {@value #DROPPED_BYTES}: what the slow-worker policy {@code DROP}
 *       dropped;
 *   <li>counter {@value #BUCKETS_MOVED_IN}: flow buckets moved to the worker from lost workers;
 *   <li>gauges {@value #BUCKETS} (flow buckets the worker owns) and {@value #LIVE} (1 while the worker receives
 *       flows, 0 once lost).
 * </ul>
 *
 * <p>Every meter reads {@link FlowFanout#counters()} when the registry asks (at a scrape), never on the send path.
 * Micrometer holds the fan-out weakly: keep a reference to it for as long as it should be reported.
 */
public final class FlowFanoutMetrics implements MeterBinder {
    /** Packets a worker's connection accepted. */
    public static final String PACKETS = "packetipc.fanout.packets";

    /** Payload bytes of those packets. */
    public static final String BYTES = "packetipc.fanout.bytes";

    /** Non-empty batches a worker's connection accepted. */
    public static final String BATCHES = "packetipc.fanout.batches";

    /** Packets dropped because a worker did not keep up. */
    public static final String DROPPED_PACKETS = "packetipc.fanout.dropped.packets";

    /** Payload bytes of those packets. */
    public static final String DROPPED_BYTES = "packetipc.fanout.dropped.bytes";

    /** Flow buckets moved to a worker from lost workers. */
    public static final String BUCKETS_MOVED_IN = "packetipc.fanout.buckets.moved.in";

    /** Flow buckets a worker owns now. */
    public static final String BUCKETS = "packetipc.fanout.buckets";

    /** 1 while a worker receives flows, 0 once it is lost. */
    public static final String LIVE = "packetipc.fanout.live";

    private final FlowFanout fanout;
    private final Tags tags;

    /**
     * A binder for the fan-out's counters, every meter tagged {@code fanout=name}.
     *
     * @param fanout the fan-out whose per-worker counters the meters read
     * @param name tells this fan-out's meters from another's, e.g. {@code "ids"}
     */
    public FlowFanoutMetrics(FlowFanout fanout, String name) {
        this(fanout, name, Tags.empty());
    }

    /**
     * A binder for the fan-out's counters, every meter tagged {@code fanout=name} and with {@code tags}.
     *
     * @param fanout the fan-out whose per-worker counters the meters read
     * @param name tells this fan-out's meters from another's, e.g. {@code "ids"}
     * @param tags more tags for every meter, e.g. the application's
     */
    public FlowFanoutMetrics(FlowFanout fanout, String name, Iterable<Tag> tags) {
        this.fanout = Objects.requireNonNull(fanout, "fanout");
        Objects.requireNonNull(name, "name");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("fanout", name);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (int w = 0; w < fanout.workerCount(); w++) {
            int worker = w;
            Tags workerTags = tags.and("worker", Integer.toString(w));
            counter(
                    registry,
                    PACKETS,
                    "packets the worker's connection accepted",
                    null,
                    workerTags,
                    c -> c.get(worker).packets());
            counter(
                    registry,
                    BYTES,
                    "payload bytes the worker's connection accepted",
                    BaseUnits.BYTES,
                    workerTags,
                    c -> c.get(worker).bytes());
            counter(
                    registry,
                    BATCHES,
                    "non-empty batches the worker's connection accepted",
                    null,
                    workerTags,
                    c -> c.get(worker).batches());
            counter(
                    registry,
                    DROPPED_PACKETS,
                    "packets dropped because the worker did not keep up",
                    null,
                    workerTags,
                    c -> c.get(worker).droppedPackets());
            counter(
                    registry,
                    DROPPED_BYTES,
                    "payload bytes dropped because the worker did not keep up",
                    BaseUnits.BYTES,
                    workerTags,
                    c -> c.get(worker).droppedBytes());
            counter(
                    registry,
                    BUCKETS_MOVED_IN,
                    "flow buckets moved to the worker from lost workers",
                    null,
                    workerTags,
                    c -> c.get(worker).bucketsMovedIn());
            Gauge.builder(BUCKETS, fanout, f -> f.counters().get(worker).buckets())
                    .description("flow buckets the worker owns")
                    .tags(workerTags)
                    .register(registry);
            Gauge.builder(LIVE, fanout, f -> f.counters().get(worker).live() ? 1 : 0)
                    .description("1 while the worker receives flows, 0 once it is lost")
                    .tags(workerTags)
                    .register(registry);
        }
    }

    /** A function counter reading one field of one worker's counters. */
    private void counter(
            MeterRegistry registry,
            String name,
            String description,
            String unit,
            Tags workerTags,
            ToLongCountersFunction field) {
        ToDoubleFunction<FlowFanout> read = f -> field.apply(f.counters());
        FunctionCounter.Builder<FlowFanout> builder = FunctionCounter.builder(name, fanout, read)
                .description(description)
                .tags(workerTags);
        if (unit != null) {
            builder.baseUnit(unit);
        }
        builder.register(registry);
    }

    /** Reads one long from a counters snapshot. */
    @FunctionalInterface
    private interface ToLongCountersFunction {
        long apply(java.util.List<WorkerCounters> counters);
    }
}
