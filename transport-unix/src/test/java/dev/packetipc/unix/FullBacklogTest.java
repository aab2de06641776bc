package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Server;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * A live server that does not accept (busy or stuck) until its accept backlog is full: a client's connect and a second
 * server's check of the path must still end within their bounds, not block in the system's connect call.
 */
@Timeout(60)
class FullBacklogTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Far more than either call may take: the connect timeout plus a generous margin for a loaded machine. */
    private static final Duration BOUND = Duration.ofSeconds(20);

    private final UnixTransport transport = new UnixTransport();
    private final List<AFUNIXSocketChannel> queued = new ArrayList<>();
    private Server server;

    /** A server that never accepts, with as many connections queued as its backlog holds. */
    @BeforeEach
    void fillTheBacklog() throws Exception {
        server = transport.newServer();
        AFUNIXSocketAddress address =
                AFUNIXSocketAddress.of(SocketPath.forClient(server.name()).toFile());
        for (int i = 0; i < 10_000; i++) {
            AFUNIXSocketChannel socket = AFUNIXSocketChannel.open();
            queued.add(socket);
            socket.configureBlocking(false);
            if (!socket.connect(address)) {
                return; // the backlog is full: this connect waits for room
            }
        }
        fail("10000 connections were queued without accept; the backlog never filled");
    }

    @AfterEach
    void release() throws IOException {
        server.close(); // wakes a connect still blocked in the system
        for (AFUNIXSocketChannel socket : queued) {
            socket.close();
        }
    }

    @Test
    void aClientGivesUpWithinItsConnectTimeout() throws Exception {
        IpcOptions options = IpcOptions.builder()
                .set(IpcOptions.CONNECT_TIMEOUT, CONNECT_TIMEOUT)
                .build();
        Throwable failure = outcomeWithin(() -> {
            transport.connect(server.name(), options).close();
            return null;
        });
        assertTrue(failure instanceof IpcTimeoutException, "expected a time-out, got " + failure);
    }

    @Test
    void aSecondServerAtTheSamePathIsRefusedWithoutWaiting() throws Exception {
        IpcOptions sameName =
                IpcOptions.builder().set(IpcOptions.SERVER_NAME, server.name()).build();
        Throwable failure = outcomeWithin(() -> {
            transport.newServer(sameName).close();
            return null;
        });
        assertTrue(failure instanceof IpcException, "expected a refusal, got " + failure);
        assertTrue(failure.getMessage().contains("already listening"), failure.getMessage());
    }

    /** What {@code call} threw, run on a daemon thread; fails if it is still running after {@link #BOUND}. */
    private static Throwable outcomeWithin(Callable<Void> call) throws InterruptedException {
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        outcome.complete(call.call());
                    } catch (Throwable t) {
                        outcome.completeExceptionally(t);
                    }
                },
                "full-backlog-call");
        thread.setDaemon(true);
        thread.start();
        try {
            outcome.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("still blocked after " + BOUND + " (a blocking connect to a full backlog)");
        }
    }
}
