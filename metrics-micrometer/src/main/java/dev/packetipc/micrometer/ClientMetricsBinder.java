package dev.packetipc.micrometer;

import dev.packetipc.Client;
import dev.packetipc.ClientMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Binds one {@link Client}'s counters ({@link Client#metrics()}) to a Micrometer registry, every meter tagged
 * {@code client=<name>} (plus the tags given):
 *
 * <ul>
 *   <li>counters {@value #PACKETS} and {@value #BYTES}: what the client handed to the application;
 *   <li>gauge {@value #END}: 1 once the end of the stream has arrived, 0 before.
 * </ul>
 *
 * <p>Every meter reads a fresh {@link Client#metrics()} snapshot when the registry asks (at a scrape), never on the
 * receive path; as {@link ClientMetrics} says, a snapshot read from another thread than the receiving one may be one
 * call behind. Micrometer holds the client weakly: once the client is garbage, its meters read NaN. A client that does
 * not count (its metrics report {@code -1}) reads {@code -1}.
 */
public final class ClientMetricsBinder implements MeterBinder {
    /** Packets the client handed to the application. */
    public static final String PACKETS = "packetipc.client.packets";

    /** Payload bytes of those packets, without framing. */
    public static final String BYTES = "packetipc.client.bytes";

    /** 1 once the end of the stream has arrived, 0 before. */
    public static final String END = "packetipc.client.end";

    private final Client client;
    private final Tags tags;

    /**
     * A binder for the client's counters, every meter tagged {@code client=name}.
     *
     * @param client the client whose counters the meters read
     * @param name tells this client's meters from another's, e.g. {@code "worker-1"}
     */
    public ClientMetricsBinder(Client client, String name) {
        this(client, name, Tags.empty());
    }

    /**
     * A binder for the client's counters, every meter tagged {@code client=name} and with {@code tags}.
     *
     * @param client the client whose counters the meters read
     * @param name tells this client's meters from another's, e.g. {@code "worker-1"}
     * @param tags more tags for every meter, e.g. the application's
     */
    public ClientMetricsBinder(Client client, String name, Iterable<Tag> tags) {
        this.client = Objects.requireNonNull(client, "client");
        Objects.requireNonNull(name, "name");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("client", name);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(PACKETS, client, c -> c.metrics().packetsReceived())
                .description("packets the client handed to the application")
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(BYTES, client, c -> c.metrics().bytesReceived())
                .description("payload bytes the client handed to the application")
                .baseUnit(BaseUnits.BYTES)
                .tags(tags)
                .register(registry);
        Gauge.builder(END, client, c -> c.metrics().endOfStreamReceived() ? 1 : 0)
                .description("1 once the end of the stream has arrived, 0 before")
                .tags(tags)
                .register(registry);
    }
}
