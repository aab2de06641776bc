/**
 * The Windows named-pipe transport, {@code pipes}: named pipes and paging-file sections through JNA.
 *
 * @provides dev.packetipc.IpcTransport the Windows named-pipe transport
 */
module dev.packetipc.windows {
    requires dev.packetipc.api;
    requires com.sun.jna;
    requires com.sun.jna.platform;
    // @AutoService writes META-INF/services for the class path; never needed at run time.
    requires static com.google.auto.service;

    exports dev.packetipc.windows;

    provides dev.packetipc.IpcTransport with
            dev.packetipc.windows.WindowsPipeTransport;
}
