package dev.packetipc.aeron;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A server name: an Aeron channel URI ({@code aeron:udp?endpoint=host:port} or {@code aeron:ipc}) with, where needed,
 * two parameters of packet-ipc's own that are removed before the channel is handed to Aeron: {@value #STREAM_PARAM}
 * (the control stream id, when not the default) and {@value #DIR_PARAM} (for {@code aeron:ipc}: the directory of the
 * media driver both sides must share). Parsed by hand, so that checking a name loads no Aeron class.
 *
 * @param media {@code udp} or {@code ipc}
 * @param params the channel's parameters without packet-ipc's, in order
 * @param controlStream the control stream id
 * @param driverDir the shared driver's directory ({@code aeron:ipc} only), else {@code null}
 */
record AeronName(String media, Map<String, String> params, int controlStream, String driverDir) {
    /** The scheme, and the prefix of every Aeron channel. */
    static final String PREFIX = "aeron:";
    /** packet-ipc's parameter for the control stream id. */
    static final String STREAM_PARAM = "packetipc-stream";
    /** packet-ipc's parameter for the shared driver's directory of an {@code aeron:ipc} name. */
    static final String DIR_PARAM = "packetipc-dir";
    /** The control stream id of UDP names that do not name one. */
    static final int DEFAULT_CONTROL_STREAM = 0x50495043;

    /**
     * Parses a name.
     *
     * @throws IllegalArgumentException if it is not an {@code aeron:udp} or {@code aeron:ipc} channel, or a UDP
     *     channel has no {@code endpoint}
     */
    static AeronName parse(String name) {
        if (name == null || !name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a name of the aeron transport: " + name
                    + "; expected an Aeron channel such as aeron:udp?endpoint=host:port or aeron:ipc");
        }
        String rest = name.substring(PREFIX.length());
        int question = rest.indexOf('?');
        String media = question < 0 ? rest : rest.substring(0, question);
        if (!media.equals("udp") && !media.equals("ipc")) {
            throw new IllegalArgumentException(
                    "the aeron transport supports aeron:udp and aeron:ipc channels, not '" + media + "' in " + name);
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (question >= 0 && question + 1 < rest.length()) {
            for (String pair : rest.substring(question + 1).split("\\|")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(
                            "malformed parameter '" + pair + "' in " + name + "; expected key=value, separated by |");
                }
                params.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        String stream = params.remove(STREAM_PARAM);
        String dir = params.remove(DIR_PARAM);
        int controlStream = DEFAULT_CONTROL_STREAM;
        if (stream != null) {
            try {
                controlStream = Integer.parseInt(stream);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(STREAM_PARAM + " must be an int in " + name, e);
            }
        }
        if (media.equals("udp")) {
            String endpoint = params.get("endpoint");
            if (endpoint == null || endpoint.lastIndexOf(':') <= 0) {
                throw new IllegalArgumentException("an aeron:udp name needs endpoint=host:port (the server's address"
                        + " and UDP port; port 0 picks a free one): " + name);
            }
            if (endpoint.matches("2(2[4-9]|3[0-9])\\..*")
                    || endpoint.toLowerCase(java.util.Locale.ROOT).startsWith("[ff")) {
                throw new IllegalArgumentException(
                        "multicast endpoints are not supported (each client has its own" + " unicast stream): " + name);
            }
        } else if (dir != null && dir.isBlank()) {
            throw new IllegalArgumentException(DIR_PARAM + " must not be blank in " + name);
        }
        return new AeronName(media, params, controlStream, dir);
    }

    boolean isIpc() {
        return media.equals("ipc");
    }

    /** The endpoint's host (UDP only), without IPv6 brackets. */
    String host() {
        String endpoint = params.get("endpoint");
        String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The endpoint's port (UDP only). */
    int port() {
        String endpoint = params.get("endpoint");
        try {
            return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port of endpoint=" + endpoint + " is not a number", e);
        }
    }

    /** The channel to hand to Aeron: the name without packet-ipc's parameters. */
    String channel() {
        return format(media, params);
    }

    /** The name clients are given: the channel, then the control stream (if not the default) and the driver dir. */
    String name() {
        Map<String, String> all = new LinkedHashMap<>(params);
        if (controlStream != DEFAULT_CONTROL_STREAM) {
            all.put(STREAM_PARAM, Integer.toString(controlStream));
        }
        if (driverDir != null) {
            all.put(DIR_PARAM, driverDir);
        }
        return format(media, all);
    }

    /** This name with another parameter map, control stream and driver directory. */
    AeronName with(Map<String, String> newParams, int newControlStream, String newDriverDir) {
        return new AeronName(media, new LinkedHashMap<>(newParams), newControlStream, newDriverDir);
    }

    static String format(String media, Map<String, String> params) {
        if (params.isEmpty()) {
            return PREFIX + media;
        }
        StringJoiner joiner = new StringJoiner("|", PREFIX + media + "?", "");
        params.forEach((k, v) -> joiner.add(k + "=" + v));
        return joiner.toString();
    }

    /** Parses only the parameters of a channel Aeron returned (for a resolved endpoint). */
    static Map<String, String> paramsOf(String channel) {
        return parse(channel).params();
    }
}
