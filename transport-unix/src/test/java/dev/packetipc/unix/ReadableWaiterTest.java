package dev.packetipc.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.spi.stream.StreamChannel;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;

/**
 * Waiting to read with {@code poll(2)} (and, for systems without it, through a selector), and closing around it: a reader blocked in poll is woken by close and told the
 * channel is closed (not that the peer went away), and the descriptor is closed only once no thread polls it, even
 * when the closing thread is interrupted or the pollers are slow to leave.
 */
@Timeout(60)
class ReadableWaiterTest {
    @Test
    void closeWakesAReaderBlockedInPollAndItSeesTheChannelClosed() throws Exception {
        closeWhileAReaderIsBlocked(false);
    }

    @Test
    void anInterruptedThreadStillClosesOnlyAfterTheReaderLeftAndKeepsItsInterrupt() throws Exception {
        closeWhileAReaderIsBlocked(true);
    }

    @Test
    void closeWakesAReaderWaitingInTheSelectorAsOnSystemsWithoutPoll() throws Exception {
        closeWhileAReaderIsBlocked(false, false);
    }

    private static void closeWhileAReaderIsBlocked(boolean interrupted) throws Exception {
        assumeTrue(NativePoll.isAvailable(), "poll(2) through JNA is used only on 64-bit Linux");
        closeWhileAReaderIsBlocked(interrupted, true);
    }

    /** A reader blocks; close() (from an interrupted thread, if asked) ends its read as closed, not as end of stream. */
    private static void closeWhileAReaderIsBlocked(boolean interrupted, boolean poll) throws Exception {
        AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
        UnixStreamChannel channel = new UnixStreamChannel(pair.getSocket1(), poll);
        try {
            CompletableFuture<Integer> read = blockedRead(channel);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            try {
                channel.close();
                assertEquals(interrupted, Thread.currentThread().isInterrupted(), "close() changed the interrupt");
            } finally {
                Thread.interrupted();
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> read.get(10, TimeUnit.SECONDS));
            assertInstanceOf(ClosedChannelException.class, e.getCause().getCause(), String.valueOf(e.getCause()));
            assertFalse(pair.getSocket1().isOpen(), "the descriptor was not closed");
        } finally {
            pair.getSocket2().close();
        }
    }

    /** What lets the server hand a client that has spoken already straight to the handshake pool. */
    @Test
    void readableNowSaysWhetherBytesWaitWithoutConsumingThem() throws Exception {
        assumeTrue(NativePoll.isAvailable(), "poll(2) through JNA is used only on 64-bit Linux");
        AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
        try {
            assertFalse(ReadableWaiter.readableNow(pair.getSocket1()), "nothing was sent");
            pair.getSocket2().write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertTrue(ReadableWaiter.readableNow(pair.getSocket1()));
            assertTrue(ReadableWaiter.readableNow(pair.getSocket1()), "the first look consumed something");
            java.nio.ByteBuffer read = java.nio.ByteBuffer.allocate(8);
            assertEquals(3, pair.getSocket1().read(read));
            assertFalse(ReadableWaiter.readableNow(pair.getSocket1()), "everything was read");
        } finally {
            pair.getSocket1().close();
            pair.getSocket2().close();
        }
    }

    @Test
    void whenAPollerDoesNotLeaveInTimeTheLastPollerClosesTheDescriptor() throws Exception {
        assumeTrue(NativePoll.isAvailable(), "poll(2) through JNA is used only on 64-bit Linux");
        AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
        try {
            ReadableWaiter waiter = ReadableWaiter.forChannel(pair.getSocket1());
            assertNotNull(waiter);
            CountDownLatch polling = new CountDownLatch(1);
            AtomicReference<String> closedBy = new AtomicReference<>();
            Thread poller = new Thread(
                    () -> {
                        try {
                            polling.countDown();
                            waiter.await(StreamChannel.FOREVER); // nothing shuts the socket down: it stays here
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    "the-poller");
            poller.start();
            assertTrue(polling.await(10, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (waiter.pollers() == 0 && System.nanoTime() < deadline) { // no event marks entering poll(2)
                Thread.yield();
            }
            assertEquals(1, waiter.pollers(), "the poller never started to wait");
            // the closing thread gives up waiting (about 1 s) and leaves the close to the poller
            waiter.closeWhenNoPoller(() -> closedBy.set(Thread.currentThread().getName()));
            assertNull(closedBy.get(), "the descriptor was closed while a thread still polled it");
            pair.getSocket2().write(ByteBuffer.wrap(new byte[] {1})); // the poll returns now
            poller.join(10_000);
            assertFalse(poller.isAlive(), "the poller did not return after data arrived");
            assertEquals("the-poller", closedBy.get(), "the last poller did not close the descriptor");
            assertFalse(waiter.await(StreamChannel.FOREVER), "a closed waiter let a new wait start");
        } finally {
            pair.getSocket1().close();
            pair.getSocket2().close();
        }
    }

    /** Starts a read that blocks, and returns once the reader really waits for bytes (not merely has started). */
    private static CompletableFuture<Integer> blockedRead(UnixStreamChannel channel) {
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return channel.read(ByteBuffer.allocateDirect(64), StreamChannel.FOREVER);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (channel.blockedReaders() == 0 && !read.isDone() && System.nanoTime() < deadline) {
            Thread.yield(); // nothing signals entering the wait but this count
        }
        assertFalse(read.isDone(), "the read returned before it blocked: " + read);
        assertEquals(1, channel.blockedReaders(), "the reader never blocked in its wait");
        return read;
    }
}
