/**
 * The shared-memory transport, {@code shm}: JVM to JVM on one host through Chronicle Queue.
 *
 * <p>On the module path Chronicle needs the JDK internals opened to its module by name (on JDK 17 to 23):
 * {@code --add-opens=java.base/java.lang.reflect=chronicle.core --add-exports=java.base/sun.nio.ch=chronicle.core
 * --add-exports=java.base/jdk.internal.ref=chronicle.core}; on JDK 24 and later also
 * {@code --enable-native-access=com.sun.jna --sun-misc-unsafe-memory-access=allow}. Without them the transport
 * reports itself unavailable and names the flags that are missing.
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
    // Chronicle logs through SLF4J, an explicit module that no automatic module can pull in.
    requires org.slf4j;
    // @AutoService writes META-INF/services for the class path; never needed at run time.
    requires static com.google.auto.service;

    exports dev.packetipc.shm;

    provides dev.packetipc.IpcTransport with
            dev.packetipc.shm.ShmTransport;
}
