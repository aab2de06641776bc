package dev.packetipc.windows;

import dev.packetipc.IpcTransport;
import dev.packetipc.PacketIpc;
import dev.packetipc.TransportStatus;
import dev.packetipc.TransportUnavailableException;

/**
 * Run in a child JVM by {@link AvailabilityTest}: asks every question a program may ask of the transport off Windows
 * (discovery, availability, the cause, a server, a client), then prints {@code probe done}.
 */
public final class AvailabilityProbe {
    private AvailabilityProbe() {}

    /** Prints what the transport says; the parent reads it with the JVM's class-loading log. */
    public static void main(String[] args) throws Exception {
        TransportStatus status = PacketIpc.availableTransports().stream()
                .filter(found -> found.id().equals(WindowsPipeTransport.ID))
                .findFirst()
                .orElseThrow(() -> new AssertionError("ServiceLoader did not find the pipe transport"));
        System.out.println("found=" + status.describe());
        IpcTransport transport = new WindowsPipeTransport();
        System.out.println("available=" + transport.isAvailable());
        System.out.println("cause="
                + transport.unavailabilityCause().map(Throwable::getMessage).orElse(""));
        try {
            transport.newServer();
        } catch (TransportUnavailableException e) {
            System.out.println("newServer refused");
        }
        try {
            transport.connect("pipe://x");
        } catch (TransportUnavailableException e) {
            System.out.println("connect refused");
        }
        System.out.println("probe done");
    }
}
