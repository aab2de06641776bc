/**
 * The shared-memory transport, {@code shm}: JVM to JVM on one host through Chronicle Queue.
 *
 * <p>On the module path Chronicle's modules need the JDK internals opened to them by name: see
 * {@link dev.packetipc.shm.ShmTransport} for the flags; without them the transport reports itself unavailable and
 * says which flags to add.
 *
 * @provides dev.packetipc.IpcTransport the transport {@code shm}
 */
module dev.packetipc.shm {
    requires dev.packetipc.api;
    requires chronicle.bytes;
    requires chronicle.core;
    requires chronicle.queue;
    requires chronicle.wire;
    // Chronicle (automatic modules, which require nothing) uses sun.misc.Unsafe and sun.misc.Signal; this resolves
    // the module that holds them when an application runs on the module path.
    requires jdk.unsupported;
    // @AutoService writes META-INF/services for the class path; never needed at run time.
    requires static com.google.auto.service;

    exports dev.packetipc.shm;

    provides dev.packetipc.IpcTransport with
            dev.packetipc.shm.ShmTransport;
}
