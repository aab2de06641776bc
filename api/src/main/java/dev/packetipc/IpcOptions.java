package dev.packetipc;

import dev.packetipc.spi.StreamProperties;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable set of {@link IpcOption} values for {@link IpcTransport#newServer(IpcOptions)} and
 * {@link IpcTransport#connect(String, IpcOptions)}. Unset options take their defaults; options a transport does not
 * know are ignored by it, so one set of options can be handed to any transport.
 *
 * <pre>{@code
 * IpcOptions options = IpcOptions.builder()
 *         .set(IpcOptions.MAX_FRAME_BYTES, 64 << 20)
 *         .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofSeconds(2))
 *         .build();
 * }</pre>
 */
public final class IpcOptions {
    /**
     * The name the server should take, in the transport's own form (for Unix sockets a path, for example), or
     * {@code null} for a fresh, unique name.
     */
    public static final IpcOption<String> SERVER_NAME =
            IpcOption.of("serverName", String.class, null, name -> !name.isBlank(), "a non-blank name");

    /**
     * The largest frame either side accepts, in bytes. A larger frame from the peer is a protocol error; a batch
     * that would not fit is split by the sender. Default 16 MiB.
     */
    public static final IpcOption<Integer> MAX_FRAME_BYTES =
            IpcOption.of("maxFrameBytes", Integer.class, 16 << 20, n -> n >= 4096, "at least 4096 bytes");

    /**
     * The largest packet payload a server's connections send, in bytes: {@link Connection#send} refuses a batch with a
     * larger packet whole, before anything of it is written, with an {@link IllegalArgumentException} that names the
     * packet, its size and the limit. From 1 byte to 1 GiB; default 16 MiB, the same on every transport. With their
     * other options at their defaults, the Unix, Windows, shm and in-process transports carry every packet up to this
     * size; where a transport's other options or medium allow less (a stream transport with shared memory off: what
     * fits in a frame of {@link #MAX_FRAME_BYTES}; Aeron: one message of its term length),
     * {@link Connection#maxPacketBytes()} says the lower limit. Set on the server; set the same value on the client
     * of the shm transport too when you raise it, since its client takes a larger document for a damaged queue.
     */
    public static final IpcOption<Integer> MAX_PACKET_BYTES = IpcOption.of(
            "maxPacketBytes", Integer.class, 16 << 20, n -> n >= 1 && n <= 1 << 30, "from 1 to 1073741824 bytes");

    /**
     * How many bytes of sent but not yet received batches may wait between sender and receiver before
     * {@link Connection#send} blocks. Default 8 MiB. Honoured by the in-process and shared-memory transports. The
     * stream transports (Unix domain sockets, Windows named pipes) have no such buffer to size (there the operating
     * system's socket or pipe buffer and {@link #SHARED_MEMORY_BYTES} bound what a slow client holds back) and refuse
     * this option when it is set, with an {@link IllegalArgumentException}.
     */
    public static final IpcOption<Integer> BUFFER_BYTES =
            IpcOption.of("bufferBytes", Integer.class, 8 << 20, n -> n >= 4096, "at least 4096 bytes");

    /**
     * Payloads of at least this many bytes travel through shared memory, where the transport has it (the Unix and
     * Windows transports): written once into a region both processes map, read in place by {@link Client#poll}.
     * Default 32 KiB.
     */
    public static final IpcOption<Integer> SHARED_MEMORY_THRESHOLD =
            IpcOption.of("sharedMemoryThreshold", Integer.class, 32 << 10, n -> n >= 1, "at least 1 byte");

    /**
     * The size of each connection's shared-memory region, in bytes; 0 turns shared memory off. Payloads the client
     * has not consumed yet stay in the region, so this bounds the memory they take; a full region makes {@link
     * Connection#send} wait. Default 32 MiB.
     */
    public static final IpcOption<Integer> SHARED_MEMORY_BYTES = IpcOption.of(
            "sharedMemoryBytes", Integer.class, 32 << 20, n -> n == 0 || n >= 4096, "0 (off) or at least 4096 bytes");

    /**
     * The data capacity of each stream connection's packet ring, in bytes; 0 turns the ring off. With the ring on (on
     * both sides: the client offers it, the server accepts it), every batch travels through a single-producer
     * single-consumer ring in shared memory, and the socket or pipe carries only control frames and wake-ups. Either
     * side setting 0 gives the plain socket framing. The server's value decides the size. A power of two from 64 KiB
     * to 1 GiB, or 0; default 4 MiB. A record takes at most half the ring, so with the ring on an inline payload is
     * limited to about half of this (larger payloads go through {@link #SHARED_MEMORY_BYTES}). Honoured by the Unix
     * transport on Linux and by the Windows transport; ignored where the system cannot share writable memory (the
     * connection then uses the socket).
     */
    public static final IpcOption<Integer> RING_BYTES = IpcOption.of(
            "ringBytes",
            Integer.class,
            4 << 20,
            n -> n == 0 || (n >= 64 << 10 && n <= 1 << 30 && Integer.bitCount(n) == 1),
            "0 (off) or a power of two from 65536 to 1073741824 bytes");

    /**
     * What a side of a packet ring does while it has nothing to read (the client) or no room to write (the server).
     * Default {@link IdleStrategy#BACKOFF}.
     */
    public static final IpcOption<IdleStrategy> IDLE_STRATEGY =
            IpcOption.of("idleStrategy", IdleStrategy.class, IdleStrategy.BACKOFF, s -> true, "an idle strategy");

    /**
     * How a side of the packet ring ({@link #RING_BYTES}) waits, in the spirit of Agrona's {@code IdleStrategy}.
     * Latency is the time from the server's {@code send} to the client's callback when the client was idle.
     */
    public enum IdleStrategy {
        /**
         * Spin a few microseconds, then yield the processor a few times, then sleep on the socket until the peer's
         * doorbell: low latency for traffic that comes in bursts, no processor burnt while idle (a doorbell costs
         * the peer one small write, only when this side sleeps).
         */
        BACKOFF,
        /**
         * Never sleep: check the ring in a busy loop (and the socket now and then, for the end and a peer gone).
         * The lowest latency, no system call on the data path; burns a whole core per waiting side.
         */
        SPIN,
        /**
         * Sleep on the socket at once: the least processor time, the latency of a socket wake-up (tens of
         * microseconds).
         */
        BLOCK
    }

    /**
     * Server side: a small set of key/value properties the server attaches to every connection, sent once in the
     * handshake; the client reads them with {@link Client#properties()}. They describe the stream (for example the
     * link type of the packets), not single packets. Default: none. Limits, checked when the option is set (an {@link
     * IllegalArgumentException} says which): at most {@value dev.packetipc.spi.StreamProperties#MAX_ENTRIES} entries;
     * keys non-empty, unique, at most {@value dev.packetipc.spi.StreamProperties#MAX_KEY_BYTES} bytes of UTF-8; no
     * {@code null} values; keys and values well-formed Unicode; at most {@value
     * dev.packetipc.spi.StreamProperties#MAX_ENCODED_BYTES} bytes encoded (6 bytes per entry plus its key and value in
     * UTF-8, plus 4, rounded up to 8). The map is copied, in its iteration order, when the option is set. Carried by
     * every transport of this project that declares {@link TransportCapability#STREAM_PROPERTIES}.
     */
    public static final IpcOption<Map<String, String>> STREAM_PROPERTIES = IpcOption.of(
            "streamProperties",
            mapClass(),
            Map.of(),
            properties -> StreamProperties.checked(properties) != null,
            "a map within the limits of stream properties");

    /**
     * How long {@link IpcTransport#connect(String, IpcOptions)} waits for the server to answer (the unix transport's
     * server also waits as long for a new client's HELLO). Default 30 s, as Netty's connect time-out: a server that has
     * closed is reported within seconds whatever this says (conformance rule R106), and a live server that does not
     * answer takes this long. 10 s, the first default,
     * was too short for 64 client JVMs started at once on 2 cores (JDK 25): the server's handshakes, which competed
     * with 64 starting JVMs for the processors, took up to 9.7 s after clients had waited 3 s to load their own
     * classes.
     */
    public static final IpcOption<Duration> CONNECT_TIMEOUT = IpcOption.of(
            "connectTimeout",
            Duration.class,
            Duration.ofSeconds(30),
            d -> !d.isNegative() && !d.isZero(),
            "a positive duration");

    /**
     * How long a side waiting for its peer (a client in receive or poll, a server in {@code send} waiting for room)
     * goes without any sign of life from the peer before it gives up with {@link PeerGoneException}: for a peer that
     * is frozen (stopped with SIGSTOP or a debugger, or never scheduled) rather than gone, which no operating system
     * reports. Every frame, packet or record counts as a sign of life; a side with nothing else to send sends a
     * heartbeat (one 8-byte frame on the stream transports, a counter in shared memory on shm) every quarter of the
     * smaller of the two sides' time-outs, from one daemon thread per process, whether or not its user calls into
     * the library. So a peer that is merely slow, or busy elsewhere, is never mistaken for a frozen one; a peer that
     * crashed is usually noticed much sooner, when its system closes its end.
     *
     * <p>Default 5 s, on. On by default because a blocking receive is the common way to read, and without it a
     * frozen server keeps its clients blocked for ever (a blocking {@code send} likewise); its cost is one small write
     * per connection and direction every 1.25 s. {@link Duration#ZERO} turns it off for the connections of this side
     * (and so for both sides of each), for example to stop a process in a debugger: then a frozen peer is waited for
     * as long as the call's own time-out. Otherwise 100 ms to 60 s. Honoured by every transport of this project that
     * declares {@link TransportCapability#LIVENESS} (see each transport's README for its own bound and for peers, such
     * as the C library, that do not send heartbeats).
     */
    public static final IpcOption<Duration> LIVENESS_TIMEOUT = IpcOption.of(
            "livenessTimeout",
            Duration.class,
            Duration.ofSeconds(5),
            d -> d.isZero() || d.compareTo(Duration.ofMillis(100)) >= 0 && d.compareTo(Duration.ofSeconds(60)) <= 0,
            "0 (off), or 100 ms to 60 s");

    /**
     * Whether servers and clients register their MXBeans in the platform MBean server, where JConsole and VisualVM
     * show them under {@code dev.packetipc}: a {@link dev.packetipc.jmx.ServerMXBean} per server, a
     * {@link dev.packetipc.jmx.ConnectionMXBean} per accepted connection, a {@link dev.packetipc.jmx.ClientMXBean} per
     * client, named as {@link dev.packetipc.jmx.IpcMBeans} says, and unregistered when each is closed. Default
     * {@code false}: nothing is registered. Honoured, the same way on every transport, by the servers and clients
     * that {@link PacketIpc} and the transports it returns make, and by {@link dev.packetipc.jmx.IpcMBeans#managed};
     * a transport instance made directly with its constructor ignores it. An MBean that cannot be registered (its
     * name taken, for example) is logged and left out; the server, connection or client works without it.
     */
    public static final IpcOption<Boolean> JMX = IpcOption.of("jmx", Boolean.class, false, b -> true, "true or false");

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Class<Map<String, String>> mapClass() {
        return (Class) Map.class;
    }

    private static final IpcOptions DEFAULTS = new IpcOptions(Map.of());

    private final Map<IpcOption<?>, Object> values;

    private IpcOptions(Map<IpcOption<?>, Object> values) {
        this.values = values;
    }

    /**
     * Options with every value at its default.
     *
     * @return the default options
     */
    public static IpcOptions defaults() {
        return DEFAULTS;
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder(Map.of());
    }

    /**
     * A builder starting from these options.
     *
     * @return a new builder with these options' values set
     */
    public Builder toBuilder() {
        return new Builder(values);
    }

    /**
     * The option's value, or its default when it is not set.
     *
     * @param option the option
     * @param <T> the type of its value
     * @return the value set, or the option's default
     */
    @SuppressWarnings("unchecked")
    public <T> T get(IpcOption<T> option) {
        Object value = values.get(option);
        return value == null ? option.defaultValue() : (T) value;
    }

    /**
     * Whether the option was set explicitly.
     *
     * @param option the option
     * @return true if a value was set for it, even one equal to the default
     */
    public boolean isSet(IpcOption<?> option) {
        return values.containsKey(option);
    }

    @Override
    public String toString() {
        return "IpcOptions" + values;
    }

    /** Builds {@link IpcOptions}; each value is checked when it is set. */
    public static final class Builder {
        private final Map<IpcOption<?>, Object> values;

        private Builder(Map<IpcOption<?>, Object> initial) {
            this.values = new LinkedHashMap<>(initial);
        }

        /**
         * Sets an option.
         *
         * @param option the option
         * @param value its value
         * @param <T> the type of the value
         * @return this builder
         * @throws IllegalArgumentException if the value is not legal for the option; the message says what is
         */
        public <T> Builder set(IpcOption<T> option, T value) {
            T checked = option.checked(value);
            if (option == STREAM_PROPERTIES) { // an immutable copy, so that what was checked is what is sent
                @SuppressWarnings("unchecked")
                T copy = (T) StreamProperties.checked((Map<String, String>) checked);
                checked = copy;
            }
            values.put(option, checked);
            return this;
        }

        /**
         * The options set so far.
         *
         * @return the options, immutable
         */
        public IpcOptions build() {
            return new IpcOptions(Collections.unmodifiableMap(new LinkedHashMap<>(values)));
        }
    }
}
