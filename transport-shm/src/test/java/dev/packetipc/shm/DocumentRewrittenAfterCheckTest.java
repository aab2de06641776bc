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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client reads documents in place, in a file other processes can write. A document is checked once when it is
 * opened; if its bytes change while its packets are handed out, the client must notice before it trusts a length:
 * a clear {@link ProtocolException}, never an out-of-bounds view or a 1 GiB allocation.
 */
@Timeout(60)
class DocumentRewrittenAfterCheckTest {
    private static final long SECOND_TIMESTAMP = 0x0102030405060708L;

    @Test
    void aLengthRewrittenAfterTheCheckStopsPollWithAProtocolError() throws Exception {
        try (LocalPair pair = openWithRewrittenSecondLength()) {
            ProtocolException e =
                    assertThrows(ProtocolException.class, () -> pair.client.poll(p -> p.data(), 10, LocalPair.WAIT));
            assertTrue(e.getMessage().contains("changed after it was checked"), e.getMessage());
            assertThrows(ProtocolException.class, () -> pair.client.poll(p -> {}, 10, LocalPair.WAIT));
        }
    }

    @Test
    void aLengthRewrittenAfterTheCheckStopsReceivePacketsWithoutAllocatingIt() throws Exception {
        try (LocalPair pair = openWithRewrittenSecondLength()) {
            ProtocolException e =
                    assertThrows(ProtocolException.class, () -> pair.client.receivePackets(10, Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("changed after it was checked"), e.getMessage());
        }
    }

    /** Sends two packets, takes the first (which opens and checks the document), then sets the second's length. */
    private static LocalPair openWithRewrittenSecondLength() throws Exception {
        LocalPair pair = LocalPair.open(IpcOptions.defaults());
        try {
            pair.connection.send(List.of(Packet.of(1, new byte[100]), Packet.of(SECOND_TIMESTAMP, new byte[200])));
            assertEquals(1, pair.client.poll(p -> {}, 1, LocalPair.WAIT));
            Path file;
            try (Stream<Path> files = Files.list(pair.connectionDirectory().resolve(ShmFiles.QUEUE))) {
                file = files.filter(f -> f.toString().endsWith(".cq4"))
                        .findFirst()
                        .orElseThrow();
            }
            try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
                byte[] head = new byte[(int) Math.min(raw.length(), 1 << 20)];
                raw.readFully(head);
                int entry =
                        indexOf(head, littleEndian(8).putLong(SECOND_TIMESTAMP).array());
                assertTrue(entry >= 0, "the second packet's entry is not in the queue file");
                raw.seek(entry + 8); // an entry is timestamp (8 bytes), then length (4 bytes)
                raw.write(littleEndian(4).putInt(1 << 30).array());
            }
            return pair;
        } catch (Exception | Error e) {
            pair.close();
            throw e;
        }
    }

    private static ByteBuffer littleEndian(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
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
