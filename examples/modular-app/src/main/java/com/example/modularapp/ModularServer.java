package com.example.modularapp;

import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.Packet;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The server process: opens a server on the transport whose id is its first argument, prints the server's name on
 * the first line of standard output, sends packets to one client, ends the stream and prints what it sent.
 */
public final class ModularServer {
    private ModularServer() {}

    /**
     * Serves one client.
     *
     * @param args the transport id (for example {@code unix} or {@code shm}), then the number of packets
     * @throws IpcException if the transport cannot run here, or the client goes away
     */
    public static void main(String[] args) throws IpcException {
        if (args.length != 2) {
            System.err.println("usage: ModularServer <transport id> <packets>");
            System.exit(2);
        }
        int count = Integer.parseInt(args[1]);
        CRC32C crc = new CRC32C();
        try (Server server = PacketIpc.transport(args[0]).newServer(dev.packetipc.IpcOptions.defaults())) {
            System.out.println(server.name()); // the client's argument
            System.out.flush();
            try (Connection connection = server.accept()) {
                List<Packet> batch = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    byte[] payload = payload(i);
                    crc.update(payload);
                    batch.add(Packet.of(i, payload));
                    if (batch.size() == 100 || i == count - 1) {
                        connection.send(batch);
                        batch.clear();
                    }
                }
                connection.sendEnd();
            }
        }
        System.out.println("sent " + count + " packets, crc32c " + Long.toHexString(crc.getValue()));
    }

    private static byte[] payload(int index) {
        byte[] payload = new byte[1 + index % 700];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (index + i);
        }
        return payload;
    }
}
