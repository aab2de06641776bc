/**
 * A modular application on packet-ipc: it requires only the API; the transports on the module path are found by
 * {@link java.util.ServiceLoader} (the API module declares {@code uses dev.packetipc.IpcTransport}).
 */
module com.example.modularapp {
    requires dev.packetipc.api;
}
