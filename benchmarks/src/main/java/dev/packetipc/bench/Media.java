package dev.packetipc.bench;

/**
 * Makes the {@link Medium} a child JVM runs from its spec: a baseline id ({@code junixsocket}, {@code jdk-uds},
 * {@code chronicle}, {@code aeron}, {@code memcpy}) or {@code ipc:<transport id>:<poll|receivePackets>}.
 */
final class Media {
    private Media() {}

    static Medium create(String spec) throws Exception {
        if (spec.startsWith("ipc:")) {
            String[] parts = spec.split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("expected ipc:<id>:<poll|receivePackets>, got " + spec);
            }
            return new PacketIpcMedium(
                    parts[1],
                    parts[2].equals("poll")
                            ? PacketIpcMedium.ReceivePath.POLL
                            : PacketIpcMedium.ReceivePath.RECEIVE_PACKETS);
        }
        switch (spec) {
            case "junixsocket":
                return new SocketMedium(SocketMedium.Library.JUNIXSOCKET);
            case "jdk-uds":
                return new SocketMedium(SocketMedium.Library.JDK);
            case "chronicle":
                return new ChronicleMedium();
            case "aeron":
                return new AeronMedium();
            case "memcpy":
                return new MemcpyMedium();
            default:
                throw new IllegalArgumentException("unknown medium '" + spec + "'");
        }
    }
}
