package dev.packetipc.conformance;

import dev.packetipc.Packet;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Hands batches to a child JVM and what it received back, as small binary files. */
final class PacketFiles {
    private PacketFiles() {}

    static void writeBatches(Path file, List<List<Packet>> batches) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(batches.size());
            for (List<Packet> batch : batches) {
                writePackets(out, batch);
            }
        }
    }

    static List<List<Packet>> readBatches(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int count = in.readInt();
            List<List<Packet>> batches = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                batches.add(readPackets(in));
            }
            return batches;
        }
    }

    static void writeReceived(Path file, Received received) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            writePackets(out, received.packets());
            out.writeUTF(received.ending().name());
            out.writeUTF(received.detail());
        }
    }

    static Received readReceived(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            List<Packet> packets = readPackets(in);
            return new Received(packets, Received.Ending.valueOf(in.readUTF()), in.readUTF());
        }
    }

    private static void writePackets(DataOutputStream out, List<Packet> packets) throws IOException {
        out.writeInt(packets.size());
        for (Packet packet : packets) {
            out.writeLong(packet.timestampNanos());
            out.writeInt(packet.length());
            out.write(packet.toByteArray());
        }
    }

    private static List<Packet> readPackets(DataInputStream in) throws IOException {
        int count = in.readInt();
        List<Packet> packets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long timestamp = in.readLong();
            byte[] data = new byte[in.readInt()];
            in.readFully(data);
            packets.add(Packet.of(timestamp, data));
        }
        return packets;
    }
}
