/**
 * The Aeron transport, {@code aeron}: UDP across hosts, IPC on one, with an embedded or external media driver.
 * Never chosen automatically; select it by id or by a name's scheme.
 *
 * @provides dev.packetipc.IpcTransport the transport {@code aeron}
 */
module dev.packetipc.aeron {
    requires dev.packetipc.api;
    // aeron-all: one automatic module with both io.aeron and org.agrona.
    requires io.aeron.all;
    // Agrona uses sun.misc.Unsafe; an automatic module requires nothing, so this resolves it on the module path.
    requires jdk.unsupported;
    // @AutoService writes META-INF/services for the class path; never needed at run time.
    requires static com.google.auto.service;

    exports dev.packetipc.aeron;

    provides dev.packetipc.IpcTransport with
            dev.packetipc.aeron.AeronTransport;
}
