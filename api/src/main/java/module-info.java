/**
 * packet-ipc's API: {@link dev.packetipc.PacketIpc} and the types it hands out, the service interface
 * {@link dev.packetipc.IpcTransport} every transport provides, the in-process transport, flow control helpers, and
 * the base classes a third-party transport builds on ({@link dev.packetipc.spi.AbstractClient},
 * {@link dev.packetipc.spi.PacketView}).
 *
 * <p>The stream engine ({@code dev.packetipc.spi.stream}) and the wire codec ({@code dev.packetipc.wire}) are
 * exported only to the transports of this project that are built on them, so that they can change without breaking
 * anyone.
 *
 * @uses dev.packetipc.IpcTransport
 * @provides dev.packetipc.IpcTransport the in-process transport, {@code inprocess}
 */
module dev.packetipc.api {
    // FlowFanout.registerMBean takes JMX types; java.management is part of every standard JDK.
    requires transitive java.management;
    // Mappings unmaps shared memory at close through sun.misc.Unsafe.invokeCleaner (no flag needed, JDK 17 to 25).
    requires jdk.unsupported;

    exports dev.packetipc;
    exports dev.packetipc.flow;
    exports dev.packetipc.inprocess;
    exports dev.packetipc.jmx;
    exports dev.packetipc.spi;
    exports dev.packetipc.spi.stream to
            dev.packetipc.unix,
            dev.packetipc.windows;
    exports dev.packetipc.wire to
            dev.packetipc.unix,
            dev.packetipc.windows;

    uses dev.packetipc.IpcTransport;

    provides dev.packetipc.IpcTransport with
            dev.packetipc.inprocess.InProcessTransport;
}
