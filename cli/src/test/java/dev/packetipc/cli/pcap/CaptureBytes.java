package dev.packetipc.cli.pcap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds pcap and pcapng files byte by byte, in either byte order, for the reader's tests. */
final class CaptureBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteOrder order;

    CaptureBytes(ByteOrder order) {
        this.order = order;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    CaptureBytes raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    private CaptureBytes put(ByteBuffer buffer) {
        out.write(buffer.array(), 0, buffer.position());
        return this;
    }

    private ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(order);
    }

    /** A pcap file header. */
    CaptureBytes pcapHeader(int magic, int linkType) {
        return put(buffer(24)
                .putInt(magic)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(65535)
                .putInt(linkType));
    }

    /** A pcap record. */
    CaptureBytes pcapRecord(long seconds, long fraction, byte[] data) {
        put(buffer(16)
                .putInt((int) seconds)
                .putInt((int) fraction)
                .putInt(data.length)
                .putInt(data.length));
        return raw(data);
    }

    /** A pcapng block of any type with this body (padded to 4 bytes). */
    CaptureBytes block(int type, byte[] body) {
        int padded = (body.length + 3) & ~3;
        int length = 12 + padded;
        ByteBuffer block = buffer(length).putInt(type).putInt(length).put(body);
        block.position(8 + padded);
        block.putInt(length);
        return put(block);
    }

    /** A section header block. */
    CaptureBytes sectionHeader() {
        return block(
                0x0A0D0D0A,
                buffer(16)
                        .putInt(0x1A2B3C4D)
                        .putShort((short) 1)
                        .putShort((short) 0)
                        .putLong(-1)
                        .array());
    }

    /** An interface description block; {@code tsresol} &lt; 0 leaves the option out. */
    CaptureBytes interfaceDescription(int linkType, int tsresol, long tsoffset) {
        ByteBuffer body =
                buffer(40).putShort((short) linkType).putShort((short) 0).putInt(0);
        if (tsresol >= 0) {
            body.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
        }
        if (tsoffset != 0) {
            body.putShort((short) 14).putShort((short) 8).putLong(tsoffset);
        }
        body.putInt(0);
        byte[] bytes = new byte[body.position()];
        body.get(0, bytes);
        return block(1, bytes);
    }

    /** An enhanced packet block. */
    CaptureBytes enhancedPacket(int interfaceId, long ticks, byte[] data) {
        ByteBuffer body = buffer(20 + data.length)
                .putInt(interfaceId)
                .putInt((int) (ticks >>> 32))
                .putInt((int) ticks)
                .putInt(data.length)
                .putInt(data.length)
                .put(data);
        return block(6, body.array());
    }

    /** A simple packet block. */
    CaptureBytes simplePacket(byte[] data) {
        return block(3, buffer(4 + data.length).putInt(data.length).put(data).array());
    }
}
