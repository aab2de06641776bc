/**
 * The Unix-domain-socket transport, {@code unix}: junixsocket for the sockets, JNA for the shared-memory regions
 * whose file descriptors are passed over them.
 *
 * @provides dev.packetipc.IpcTransport the transport {@code unix}
 */
module dev.packetipc.unix {
    requires dev.packetipc.api;
    requires org.newsclub.net.unix;
    // junixsocket loads its native library from this module; without the requires it is not resolved on the module
    // path and junixsocket fails with UnsatisfiedLinkError.
    requires com.kohlschutter.junixsocket.nativecommon;
    requires com.sun.jna;
    // @AutoService writes META-INF/services for the class path; never needed at run time.
    requires static com.google.auto.service;
    requires static com.kohlschutter.annotations.compiletime;

    exports dev.packetipc.unix;

    provides dev.packetipc.IpcTransport with
            dev.packetipc.unix.UnixTransport;
}
