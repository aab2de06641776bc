package dev.packetipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.Packet;
import dev.packetipc.ProtocolException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that is gone while documents it appended cannot be read (their queue file was damaged): the client must
 * say that the queue is corrupt and data was lost, not that everything was received. Found by reading the reader
 * while writing the reliability module's hostile-queue fuzzing (issue 15): the client used to throw
 * {@code PeerGoneException} "everything it sent was received" without comparing what it read with what the server
 * published it had appended.
 */
@Timeout(60)
class ServerGoneWithUnreadableDocumentsTest {
    private static final long SECOND_TIMESTAMP = 0x1122334455667788L;

    @Test
    void aGoneServerWithUnreadableDocumentsIsAProtocolErrorNotEverythingReceived() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(ShmOptions.LEASE_TIMEOUT, Duration.ofSeconds(30)) // the stuck check must not be what fires
                .build();
        try (LocalPair pair = LocalPair.open(options)) {
            pair.connection.send(List.of(Packet.of(1, new byte[100])));
            assertEquals(
                    1,
                    pair.client.receivePackets(10, LocalPair.WAIT).orElseThrow().size());
            pair.connection.send(List.of(Packet.of(SECOND_TIMESTAMP, new byte[200])));
            Path connection = pair.connectionDirectory();
            markNotComplete(connection.resolve(ShmFiles.QUEUE));
            // The server's side marked CLOSED without a close marker, as a server that closed (or died) leaves it.
            try (FileChannel control =
                    FileChannel.open(connection.resolve(ShmFiles.CONTROL), StandardOpenOption.WRITE)) {
                control.write(
                        ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, Side.CLOSED), 64 + 16);
            }
            ProtocolException e =
                    assertThrows(ProtocolException.class, () -> pair.client.receivePackets(10, Duration.ofSeconds(20)));
            assertTrue(e.getMessage().contains("could not be read"), e.getMessage());
            assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        }
    }

    /** Sets the not-complete bit of the second document's Chronicle header: it looks like a write in progress. */
    private static void markNotComplete(Path queue) throws Exception {
        Path file;
        try (Stream<Path> files = Files.list(queue)) {
            file = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] head = new byte[(int) Math.min(raw.length(), 1 << 20)];
            raw.readFully(head);
            byte[] needle = ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(SECOND_TIMESTAMP)
                    .array();
            int entry = indexOf(head, needle);
            assertTrue(entry >= 8, "the second packet's entry is not in the queue file");
            int header = entry - BatchLayout.HEADER_BYTES - 4; // Chronicle's 4-byte header precedes the document
            ByteBuffer words = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            raw.seek(header);
            raw.write(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(words.getInt(header) | 0x80000000)
                    .array());
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            int j = 0;
            while (j < needle.length && haystack[i + j] == needle[j]) {
                j++;
            }
            if (j == needle.length) {
                return i;
            }
        }
        return -1;
    }
}
