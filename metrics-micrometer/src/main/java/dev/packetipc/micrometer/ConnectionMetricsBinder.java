package dev.packetipc.micrometer;

import dev.packetipc.Connection;
import dev.packetipc.ConnectionMetrics;
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
 * Binds one {@link Connection}'s counters ({@link Connection#metrics()}) to a Micrometer registry, every meter tagged
 * {@code connection=<name>} (plus the tags given):
 *
 * <ul>
 *   <li>counters {@value #PACKETS}, {@value #BYTES}, {@value #BATCHES}: what the connection sent;
 *   <li>counter {@value #SEND_WAIT}, in seconds: the time {@code send} waited for the client, where the transport
 *       measures it (a connection whose {@link ConnectionMetrics#sendWaitNanos()} is {@code -1} when bound gets no
 *       such meter);
 *   <li>gauge {@value #QUEUED}, in bytes: what the client has not taken back yet, where the transport knows it
 *       (likewise left out when {@link ConnectionMetrics#bytesQueued()} is {@code -1} when bound);
 *   <li>gauge {@value #OPEN}: 1 while the connection is open, 0 after.
 * </ul>
 *
 * <p>Every meter reads a fresh {@link Connection#metrics()} snapshot when the registry asks (at a scrape), never on
 * the send path. Micrometer holds the connection weakly: once the connection is garbage, its meters read NaN.
 */
public final class ConnectionMetricsBinder implements MeterBinder {
    /** Packets the connection sent. */
    public static final String PACKETS = "packetipc.connection.packets";

    /** Payload bytes of those packets, without framing. */
    public static final String BYTES = "packetipc.connection.bytes";

    /** Non-empty batches the connection sent. */
    public static final String BATCHES = "packetipc.connection.batches";

    /** Time {@code send} and {@code sendEnd} spent waiting for the client, in seconds. */
    public static final String SEND_WAIT = "packetipc.connection.send.wait";

    /** Bytes written for the client that it had not taken back yet. */
    public static final String QUEUED = "packetipc.connection.queued";

    /** 1 while the connection is open, 0 after. */
    public static final String OPEN = "packetipc.connection.open";

    private final Connection connection;
    private final Tags tags;

    /**
     * A binder for the connection's counters, every meter tagged {@code connection=name}.
     *
     * @param connection the connection whose counters the meters read
     * @param name tells this connection's meters from another's, e.g. {@code "ids-1"}
     */
    public ConnectionMetricsBinder(Connection connection, String name) {
        this(connection, name, Tags.empty());
    }

    /**
     * A binder for the connection's counters, every meter tagged {@code connection=name} and with {@code tags}.
     *
     * @param connection the connection whose counters the meters read
     * @param name tells this connection's meters from another's, e.g. {@code "ids-1"}
     * @param tags more tags for every meter, e.g. the application's
     */
    public ConnectionMetricsBinder(Connection connection, String name, Iterable<Tag> tags) {
        this.connection = Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(name, "name");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("connection", name);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, PACKETS, "packets the connection sent", null, m -> m.packetsSent());
        counter(registry, BYTES, "payload bytes the connection sent", BaseUnits.BYTES, m -> m.bytesSent());
        counter(registry, BATCHES, "non-empty batches the connection sent", null, m -> m.batchesSent());
        ConnectionMetrics now = connection.metrics();
        if (now.sendWaitNanos() >= 0) {
            counter(
                    registry,
                    SEND_WAIT,
                    "time send spent waiting for the client to make room",
                    "seconds",
                    m -> m.sendWaitNanos() / 1e9);
        }
        if (now.bytesQueued() >= 0) {
            Gauge.builder(QUEUED, connection, c -> c.metrics().bytesQueued())
                    .description("bytes written for the client that it had not taken back yet")
                    .baseUnit(BaseUnits.BYTES)
                    .tags(tags)
                    .register(registry);
        }
        Gauge.builder(OPEN, connection, c -> c.metrics().open() ? 1 : 0)
                .description("1 while the connection is open, 0 after")
                .tags(tags)
                .register(registry);
    }

    private void counter(
            MeterRegistry registry,
            String name,
            String description,
            String unit,
            ToDoubleFunction<ConnectionMetrics> field) {
        FunctionCounter.Builder<Connection> builder = FunctionCounter.builder(
                        name, connection, c -> field.applyAsDouble(c.metrics()))
                .description(description)
                .tags(tags);
        if (unit != null) {
            builder.baseUnit(unit);
        }
        builder.register(registry);
    }
}
