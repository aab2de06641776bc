package com.example.quickstart;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketIpc;
import java.util.List;
import java.util.Optional;

/**
 * Process B of the quick start: connects to the server whose name is its one argument, receives until the end of
 * the stream and prints a checksum of what it received. The name carries the transport (for example
 * {@code unix:///run/user/1000/packet-ipc/s-4242-1.sock}), so the client needs no other setting.
 */
public final class QuickStartClient {
    private QuickStartClient() {}

    /**
     * Receives one stream.
     *
     * @param args the server's name, as the server printed it
     * @throws IpcException if no server has that name, or it goes away without ending the stream
     */
    public static void main(String[] args) throws IpcException {
        if (args.length != 1) {
            System.err.println("usage: QuickStartClient <server name>");
            System.exit(2);
        }
        PacketChecksum received = new PacketChecksum();
        try (Client client = PacketIpc.connect(args[0])) {
            Optional<List<IpcPacket>> batch;
            // Up to 1024 packets per call, blocking until at least one is there; empty once the stream has ended.
            while ((batch = client.receivePackets(1024)).isPresent()) {
                for (IpcPacket packet : batch.get()) {
                    received.add(packet); // packet.data() is a read-only ByteBuffer; toByteArray() copies it
                }
            }
        }
        System.out.println("received " + received);
    }
}
