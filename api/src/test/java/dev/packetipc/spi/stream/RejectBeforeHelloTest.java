package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcOptions;
import dev.packetipc.ProtocolException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server may refuse a client before it reads the HELLO (wire format §2), and close: the client's HELLO then meets a
 * closed socket, and the client must still report the server's REJECT and its reason, not a broken pipe.
 */
@Timeout(30)
class RejectBeforeHelloTest {
    @Test
    void theClientReportsTheReasonOfAServerThatRefusedBeforeTheHello() throws Exception {
        JdkSocketChannel[] ends = JdkSocketChannel.pair();
        StreamEndpoints.refuse(ends[0], "this user may not connect");
        ProtocolException e = assertThrows(
                ProtocolException.class,
                () -> StreamEndpoints.connect(
                        ends[1], "test", IpcOptions.defaults(), null, TimeUnit.SECONDS.toNanos(10)));
        assertTrue(e.getMessage().contains("this user may not connect"), e.getMessage());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
    }
}
