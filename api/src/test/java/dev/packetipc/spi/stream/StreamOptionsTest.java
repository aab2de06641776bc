package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.ProtocolException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, item 12: {@link IpcOptions#BUFFER_BYTES} cannot be honoured by the stream engine, so it is refused with a
 * clear error on both sides instead of being silently ignored; the client of a server so misconfigured learns why.
 */
@Timeout(60)
class StreamOptionsTest {
    private static final long WAIT = TimeUnit.SECONDS.toNanos(10);
    private static final IpcOptions BUFFER =
            IpcOptions.builder().set(IpcOptions.BUFFER_BYTES, 1 << 16).build();

    @Test
    void aClientWithBufferBytesSetIsRefusedBeforeAnythingIsSent() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        try {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> StreamEndpoints.connect(ends[1], "test", BUFFER, null, WAIT));
            assertTrue(e.getMessage().contains("IpcOptions.BUFFER_BYTES=65536 cannot be honoured"), e.getMessage());
            assertTrue(e.getMessage().contains("leave BUFFER_BYTES unset"), e.getMessage());
            ByteBuffer nothing = ByteBuffer.allocate(64);
            assertEquals(-1, ends[0].read(nothing, WAIT), "no HELLO was sent and the channel was closed");
        } finally {
            ends[0].close();
        }
    }

    @Test
    void aServerWithBufferBytesSetTellsTheClientWhyItRefuses() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        CompletableFuture<Void> connecting = CompletableFuture.runAsync(() -> {
            try {
                StreamEndpoints.connect(ends[1], "test", IpcOptions.defaults(), null, WAIT);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> StreamEndpoints.accept(ends[0], "test", BUFFER, null, WAIT));
        assertTrue(e.getMessage().contains("BUFFER_BYTES"), e.getMessage());
        ExecutionException failed = assertThrows(ExecutionException.class, () -> connecting.get(20, TimeUnit.SECONDS));
        Throwable cause = failed.getCause() instanceof CompletionException
                ? failed.getCause().getCause()
                : failed.getCause();
        assertTrue(cause instanceof ProtocolException, String.valueOf(cause));
        assertTrue(cause.getMessage().contains("the server is misconfigured"), cause.getMessage());
        assertTrue(cause.getMessage().contains("BUFFER_BYTES"), cause.getMessage());
    }

    @Test
    void theOptionsOtherTransportsHonourPassUnset() {
        StreamEndpoints.checkOptions(IpcOptions.defaults());
        StreamEndpoints.checkOptions(
                IpcOptions.builder().set(IpcOptions.MAX_FRAME_BYTES, 1 << 20).build());
    }
}
