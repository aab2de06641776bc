package com.example.modularapp;

import dev.packetipc.Client;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.PacketIpc;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The client process: connects to the server whose name is its argument (the name says the transport), receives
 * until the end of the stream and prints what it received, in the server's format.
 */
public final class ModularClient {
    private ModularClient() {}

    /**
     * Receives one stream.
     *
     * @param args the server's name, as the server printed it
     * @throws IpcException if no server has that name, or it goes away without ending the stream
     */
    public static void main(String[] args) throws IpcException {
        if (args.length != 1) {
            System.err.println("usage: ModularClient <server name>");
            System.exit(2);
        }
        CRC32C crc = new CRC32C();
        long count = 0;
        try (Client client = PacketIpc.connect(args[0])) {
            Optional<List<IpcPacket>> batch;
            while ((batch = client.receivePackets(1024)).isPresent()) {
                for (IpcPacket packet : batch.get()) {
                    if (packet.timestampNanos() != count) {
                        throw new IllegalStateException("packet " + count + " arrived as " + packet.timestampNanos());
                    }
                    crc.update(packet.data().duplicate());
                    count++;
                }
            }
        }
        System.out.println("received " + count + " packets, crc32c " + Long.toHexString(crc.getValue()));
    }
}
