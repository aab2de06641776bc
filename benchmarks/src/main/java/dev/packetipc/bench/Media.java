package dev.packetipc.bench;

/**
 * Makes the {@link Medium} a child JVM runs from its spec: {@code <baseline id>:<wait>} (baselines
 * {@code junixsocket}, {@code jdk-uds}, {@code chronicle}, {@code aeron}, {@code aeron-udp}, {@code ring}) or
 * {@code ipc:<transport id>:<poll|receivePackets>:<wait>}, the wait being {@code block} or {@code spin}.
 */
final class Media {
    private Media() {}

    static Medium create(String spec) throws Exception {
        String[] parts = spec.split(":");
        if (spec.startsWith("ipc:")) {
            if (parts.length != 4) {
                throw new IllegalArgumentException("expected ipc:<id>:<poll|receivePackets>:<wait>, got " + spec);
            }
            return new PacketIpcMedium(
                    parts[1],
                    parts[2].equals("poll")
                            ? PacketIpcMedium.ReceivePath.POLL
                            : PacketIpcMedium.ReceivePath.RECEIVE_PACKETS,
                    Wait.parse(parts[3]));
        }
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected <baseline>:<wait>, got " + spec);
        }
        Wait wait = Wait.parse(parts[1]);
        switch (parts[0]) {
            case "junixsocket":
                return new SocketMedium(SocketMedium.Library.JUNIXSOCKET, wait);
            case "jdk-uds":
                return new SocketMedium(SocketMedium.Library.JDK, wait);
            case "chronicle":
                return spinOnly(new ChronicleMedium(), wait, spec);
            case "aeron":
                return spinOnly(new AeronMedium(false), wait, spec);
            case "aeron-udp":
                return spinOnly(new AeronMedium(true), wait, spec);
            case "ring":
                return spinOnly(new RingMedium(), wait, spec);
            default:
                throw new IllegalArgumentException("unknown medium '" + spec + "'");
        }
    }

    private static Medium spinOnly(Medium medium, Wait wait, String spec) {
        if (wait != Wait.SPIN) {
            throw new IllegalArgumentException(spec + ": this medium has no blocking receive, spin only");
        }
        return medium;
    }
}
