package dev.packetipc.aeron;

import dev.packetipc.IpcOption;
import java.time.Duration;

/** Options of the {@code aeron} transport, beside the common ones of {@link dev.packetipc.IpcOptions}. */
public final class AeronOptions {
    /**
     * Where a client receives its stream, as {@code host:port} ({@code port} 0 for any free port), when the address
     * the client would pick itself is not the one the server can reach (a NAT, several interfaces). By default the
     * client takes the local address its operating system routes to the server's endpoint, and a free port.
     */
    public static final IpcOption<String> REPLY_ENDPOINT = IpcOption.of(
            "aeron.replyEndpoint", String.class, null, e -> e.lastIndexOf(':') > 0, "host:port, e.g. 10.0.0.5:0");

    /**
     * How long {@code connect} waits for any subscriber on the server's control channel before it concludes that no
     * server answers to the name ({@link dev.packetipc.NoSuchServerException}); UDP has no "connection refused", so
     * this is the only way to tell. At most {@link dev.packetipc.IpcOptions#CONNECT_TIMEOUT}. Default 2 s.
     */
    public static final IpcOption<Duration> LOOKUP_TIMEOUT = IpcOption.of(
            "aeron.lookupTimeout",
            Duration.class,
            Duration.ofSeconds(2),
            d -> !d.isNegative() && !d.isZero(),
            "a positive duration");

    private AeronOptions() {}
}
