package dev.packetipc.conformance;

import dev.packetipc.Client;
import dev.packetipc.ClientMetrics;
import dev.packetipc.ClosedException;
import dev.packetipc.Connection;
import dev.packetipc.ConnectionMetrics;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.IpcTransport;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Packet;
import dev.packetipc.PacketHandler;
import dev.packetipc.Server;
import dev.packetipc.TransportCapability;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;

/**
 * The conformance contract of a packet-ipc transport. Extend it in your test sources, implement
 * {@link #newTransport()}, and run it with the jqwik engine (for example with Maven's surefire plugin):
 *
 * <pre>{@code
 * class UnixTransportConformanceTest extends TransportContract {
 *     @Override
 *     protected IpcTransport newTransport() {
 *         return new UnixTransport();
 *     }
 * }
 * }</pre>
 *
 * <p>Each rule is one test method. Its name starts with {@code required_} or {@code optional_} and a rule id (see the
 * module's README for the table): a required rule must pass for every transport; an optional rule runs only if the
 * transport declares the {@link TransportCapability} the rule needs, and is reported as skipped otherwise. Every
 * wait in the suite is bounded by {@link #waitTimeout()}, so a transport that hangs fails a rule instead of hanging
 * the build. Failure messages start with the rule id and say what arrived and what was expected.
 *
 * <p>The subclass must have a public no-argument constructor: the suite makes instances of it in child JVMs for the
 * cross-process rules.
 */
@AddLifecycleHook(CapabilitySkipHook.class)
@AddLifecycleHook(NoShrinkingAfterAHang.class)
public abstract class TransportContract {
    /** For subclasses. */
    protected TransportContract() {}

    /**
     * A new transport under test. Called once per test method and once in every child JVM; it should be cheap and
     * must not depend on state of the test instance.
     *
     * @return a new instance of the transport under test
     */
    protected abstract IpcTransport newTransport();

    /**
     * The options for every server the suite starts. By default {@link IpcOptions#defaults()}.
     *
     * @return the server options
     */
    protected IpcOptions serverOptions() {
        return IpcOptions.defaults();
    }

    /**
     * The options for every client the suite connects. By default {@link IpcOptions#defaults()}.
     *
     * @return the client options
     */
    protected IpcOptions clientOptions() {
        return IpcOptions.defaults();
    }

    /**
     * Extra arguments for child JVMs of the cross-process rules, before the main class: the JDK flags the transport
     * needs ({@code --add-opens ...}, {@code --enable-native-access=ALL-UNNAMED}), system properties. By default
     * none.
     *
     * @return the arguments, in order
     */
    protected List<String> childJvmArguments() {
        return List.of();
    }

    /**
     * The system property that overrides the default of {@link #waitTimeout()} without a code change, as an ISO-8601
     * duration ({@code -Dpacketipc.conformance.waitTimeout=PT2S}) or in milliseconds ({@code =2000}). Meant for
     * developing a transport, when a rule that waits for something that never comes should fail in a second or two;
     * keep the default for CI, where a loaded machine may need it.
     */
    public static final String WAIT_TIMEOUT_PROPERTY = "packetipc.conformance.waitTimeout";

    /**
     * The longest the suite waits for any one thing (a packet, the end, an accept, a close to take effect) before it
     * fails the rule. By default 10 seconds, or what the system property {@value #WAIT_TIMEOUT_PROPERTY} says.
     *
     * @return the longest wait for any one thing, positive
     * @throws IllegalArgumentException if the system property is set to something that is not a positive duration
     */
    protected Duration waitTimeout() {
        return Waits.configuredTimeout(System.getProperty(WAIT_TIMEOUT_PROPERTY), Duration.ofSeconds(10));
    }

    private IpcTransport transport;

    /** The transport under test, made once per test instance. */
    final IpcTransport transport() {
        if (transport == null) {
            transport = newTransport();
        }
        return transport;
    }

    final Session openSession() {
        try {
            return Session.open(transport(), serverOptions(), clientOptions(), waitTimeout());
        } catch (Exception | AssertionError e) {
            throw new AssertionError(
                    currentRule + "could not start a server and connect a client to it: " + e.getMessage(), e);
        }
    }

    final String rule(String id) {
        return "[" + id + "] transport '" + transport().id() + "': ";
    }

    private String currentRule = "";

    /** Notes which rule runs, so that every failure message of the wait helpers starts with its id. */
    private void enter(String id) {
        currentRule = rule(id);
    }

    private <T> T call(Duration timeout, String what, Callable<T> call) throws Exception {
        return Waits.call(timeout, currentRule + what, call);
    }

    private <T> T await(Future<T> future, Duration timeout, String what) throws Exception {
        return Waits.await(future, timeout, currentRule + what);
    }

    private Exception failure(Future<?> future, Duration timeout, String what) {
        return Waits.failure(future, timeout, currentRule + what);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Streams

    /**
     * R101: any sequence of batches (0 to 12 packets each, payloads from 0 B to over 1 MiB, any timestamp including
     * {@code Long.MIN_VALUE} and {@code Long.MAX_VALUE}) arrives complete, in order, byte-exact and with exact
     * timestamps through {@link Client#receivePackets(int, Duration)}, whatever receive size the client uses; each
     * call returns between 1 and the asked number of packets; then the end of the stream.
     *
     * <p>If this fails, check: the framing of batches (lengths, a batch split across frames or reads), the byte order
     * and sign of timestamps, empty payloads, payloads larger than a socket or ring buffer, and how a receive that
     * asks for fewer packets than a batch holds keeps the rest for the next call.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 30)
    public void required_R101_batchesArriveCompleteInOrderAndExact(
            @ForAll(supplier = Generators.Batches.class) List<List<Packet>> batches,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R101");
        checkStream("R101", batches, receiveSize, Receiver.Mode.RECEIVE_PACKETS);
    }

    /**
     * R102: the same streams as R101 arrive exactly the same through the flyweight path,
     * {@link Client#poll(PacketHandler, int, Duration)}: the handler sees every packet once, in order, with
     * {@code data()} positioned on exactly that packet's payload; {@code poll} returns the number handed out (never
     * more than the limit), then {@link Client#END_OF_STREAM}.
     *
     * <p>If this fails, check: the flyweight's position and limit for each packet (a buffer left positioned by the
     * previous packet), a limit smaller than a batch, and the return value of {@code poll} when it also reached the
     * end.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 30)
    public void required_R102_pollFlyweightDeliversTheSameStream(
            @ForAll(supplier = Generators.Batches.class) List<List<Packet>> batches,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R102");
        checkStream("R102", batches, receiveSize, Receiver.Mode.POLL);
    }

    private void checkStream(String id, List<List<Packet>> batches, int receiveSize, Receiver.Mode mode)
            throws Exception {
        List<Packet> expected = StreamCheck.flatten(batches);
        try (Session session = openSession()) {
            Future<Void> sending = Waits.start(() -> {
                for (List<Packet> batch : batches) {
                    session.connection.send(batch);
                }
                session.connection.sendEnd();
                return null;
            });
            Received received =
                    Receiver.drain(session.client, mode, receiveSize, waitTimeout(), expected.size() + 1000);
            String sender = senderOutcome(sending);
            String context = " (sent " + expected.size() + " packets in " + batches.size() + " batches; the client "
                    + (mode == Receiver.Mode.POLL ? "polled" : "called receivePackets") + " with size " + receiveSize
                    + "; it got " + received.describeEnding() + "; the sender " + sender + ")";
            Optional<String> difference = StreamCheck.difference(expected, received.packets());
            if (difference.isPresent()) {
                throw new AssertionError(rule(id) + difference.get() + context);
            }
            if (received.ending() != Received.Ending.END) {
                throw new AssertionError(
                        rule(id) + "the stream did not end with the end of the stream after sendEnd()" + context);
            }
        }
    }

    /** Sends every batch and then the end, all before the client receives anything. */
    private void sendAllThenEnd(Session session, List<List<Packet>> batches) throws Exception {
        call(waitTimeout(), "sending " + batches.size() + " small batches and the end", () -> {
            for (List<Packet> batch : batches) {
                session.connection.send(batch);
            }
            session.connection.sendEnd();
            return null;
        });
    }

    private String senderOutcome(Future<?> sending) {
        try {
            await(sending, waitTimeout(), "sending the batches");
            return "finished";
        } catch (Exception | AssertionError e) {
            return "failed: " + e;
        }
    }

    /**
     * R112: a connection's counters say what was sent: {@code packetsSent()} counts packets, {@code bytesSent()}
     * payload bytes (without any framing), {@code batchesSent()} non-empty batches; an empty batch sends nothing.
     * {@code Connection.metrics()} says the same, and {@code Client.metrics()} counts exactly the packets and payload
     * bytes the client handed out, and the end ({@code -1} for both counts means the client does not count).
     *
     * <p>If this fails, check: counting framing or headers as payload, counting empty batches, counting before a send
     * that then failed, and a client that counts packets it has not handed out yet.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 10)
    public void required_R112_countersSayWhatWasSent(
            @ForAll(supplier = Generators.SmallBatches.class) List<List<Packet>> batches) throws Exception {
        enter("R112");
        List<Packet> expected = StreamCheck.flatten(batches);
        long bytes = expected.stream().mapToLong(Packet::length).sum();
        long nonEmpty = batches.stream().filter(batch -> !batch.isEmpty()).count();
        try (Session session = openSession()) {
            Future<Void> sending = Waits.start(() -> {
                for (List<Packet> batch : batches) {
                    session.connection.send(batch);
                }
                session.connection.sendEnd();
                return null;
            });
            Received received = Receiver.drain(
                    session.client, Receiver.Mode.RECEIVE_PACKETS, 64, waitTimeout(), expected.size() + 1000);
            await(sending, waitTimeout(), "sending the batches");
            if (received.ending() != Received.Ending.END) {
                throw new AssertionError(rule("R112") + "the stream did not end with the end of the stream after"
                        + " sendEnd(): the client got " + received.describeEnding() + " (sent " + expected.size()
                        + " packets in " + batches.size() + " batches)");
            }
            String counted = "packetsSent=" + session.connection.packetsSent() + ", bytesSent="
                    + session.connection.bytesSent() + ", batchesSent=" + session.connection.batchesSent();
            String sent = "packetsSent=" + expected.size() + ", bytesSent=" + bytes + ", batchesSent=" + nonEmpty;
            if (!counted.equals(sent)) {
                throw new AssertionError(rule("R112") + "after sending " + batches.size() + " batches (" + nonEmpty
                        + " of them non-empty) the connection counts " + counted + " instead of " + sent
                        + " (the client got " + received.describeEnding() + ")");
            }
            ConnectionMetrics metrics = session.connection.metrics();
            String snapshot = "packetsSent=" + metrics.packetsSent() + ", bytesSent=" + metrics.bytesSent()
                    + ", batchesSent=" + metrics.batchesSent();
            if (!snapshot.equals(sent) || metrics.sendWaitNanos() < -1 || metrics.bytesQueued() < -1) {
                throw new AssertionError(rule("R112") + "Connection.metrics() says " + metrics + ", which does not"
                        + " match " + sent + " (or has a negative value other than -1, 'not measured')");
            }
            ClientMetrics got = session.client.metrics();
            boolean counts = got.packetsReceived() != -1 || got.bytesReceived() != -1;
            if (counts && (got.packetsReceived() != expected.size() || got.bytesReceived() != bytes)
                    || !got.endOfStreamReceived()) {
                throw new AssertionError(rule("R112") + "after receiving " + expected.size() + " packets of " + bytes
                        + " bytes and the end, Client.metrics() says " + got);
            }
        }
    }

    /** What R113's handler throws, recognised by identity when it comes out of {@code poll}. */
    private static final class HandlerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailure(int index) {
            super("R113's handler refuses packet #" + index + " on purpose");
        }
    }

    /**
     * R113: a {@code poll} handler that throws. The exception comes out of {@code poll} unchanged; every packet handed
     * to the handler so far, the one whose callback threw included, is consumed; the next {@code poll} continues with
     * the packet after it, so the whole stream arrives exactly once, in order, then the end. The handler throws on
     * packets at random places in batches of small payloads and of 40 to 160 KiB payloads (which travel through
     * shared memory where the transport has it), with any poll limit.
     *
     * <p>If this fails, check: a batch or frame that is marked consumed only after the handler returned (the next
     * poll hands out the same packets again: "extra packets" or "out of order"), shared-memory space released for a
     * packet twice or never (the sender then stalls, or closes the connection for a release beyond what it handed
     * out), an exception caught or wrapped on its way out of {@code poll}, and state (a cursor, a count) that is
     * updated after the handler call instead of before it.
     *
     * @param limit generated by jqwik: the most packets each poll asks for
     * @param seed generated by jqwik: the seed of the rule's random choices
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 10)
    public void required_R113_aThrowingPollHandlerConsumesWhatItWasHanded(
            @ForAll @IntRange(min = 1, max = 12) int limit, @ForAll long seed) throws Exception {
        enter("R113");
        SplittableRandom random = new SplittableRandom(seed);
        List<List<Packet>> batches = new ArrayList<>();
        for (int b = random.nextInt(1, 7); b > 0; b--) {
            List<Packet> batch = new ArrayList<>();
            for (int i = random.nextInt(1, 9); i > 0; i--) {
                int length = random.nextInt(3) == 0 ? random.nextInt(40 << 10, 160 << 10) : random.nextInt(0, 300);
                batch.add(Packet.of(random.nextLong(), Generators.payload(length, random.nextLong())));
            }
            batches.add(batch);
        }
        List<Packet> expected = StreamCheck.flatten(batches);
        List<Integer> throwAt = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            if (random.nextInt(4) == 0) {
                throwAt.add(i);
            }
        }
        try (Session session = openSession()) {
            Future<Void> sending = Waits.start(() -> {
                for (List<Packet> batch : batches) {
                    session.connection.send(batch);
                }
                session.connection.sendEnd();
                return null;
            });
            List<Packet> received = new ArrayList<>();
            HandlerFailure[] thrown = new HandlerFailure[1];
            PacketHandler handler = packet -> {
                int index = received.size();
                received.add(Packet.of(packet.timestampNanos(), packet.toByteArray()));
                if (throwAt.contains(index)) {
                    thrown[0] = new HandlerFailure(index);
                    throw thrown[0];
                }
            };
            int propagated = 0;
            String ending = null;
            while (ending == null && received.size() <= expected.size() + 100) {
                thrown[0] = null;
                Object result;
                try {
                    result = call(waitTimeout().multipliedBy(2), "poll", () -> {
                        try {
                            return session.client.poll(handler, limit, waitTimeout());
                        } catch (HandlerFailure e) {
                            return e;
                        }
                    });
                } catch (Exception e) {
                    throw new AssertionError(
                            rule("R113") + "after " + received.size() + " packets, poll threw " + e
                                    + (thrown[0] == null ? "" : " although the handler threw " + thrown[0])
                                    + "; the handler's own exception must come out of poll unchanged, and the stream go on"
                                    + " (the sender " + senderOutcome(sending) + ")",
                            e);
                }
                if (result instanceof HandlerFailure) {
                    if (result != thrown[0]) {
                        throw new AssertionError(rule("R113") + "poll threw another HandlerFailure than the one the"
                                + " handler threw last");
                    }
                    propagated++;
                } else if ((Integer) result == Client.END_OF_STREAM) {
                    ending = "the end";
                } else if ((Integer) result == 0) {
                    ending = "nothing more within " + waitTimeout();
                } else if (thrown[0] != null) {
                    throw new AssertionError(rule("R113") + "the handler threw " + thrown[0] + " but poll returned "
                            + result + " instead of letting the exception out");
                }
            }
            String context = " (sent " + expected.size() + " packets in " + batches.size() + " batches; the handler"
                    + " threw at packets " + throwAt + ", poll limit " + limit + "; the client got " + received.size()
                    + " packets then " + (ending == null ? "too many packets" : ending) + "; the sender "
                    + senderOutcome(sending) + ")";
            Optional<String> difference = StreamCheck.difference(expected, received);
            if (difference.isPresent()) {
                throw new AssertionError(rule("R113") + difference.get() + context);
            }
            if (!"the end".equals(ending)) {
                throw new AssertionError(rule("R113") + "the stream did not end with the end of the stream" + context);
            }
            if (propagated != throwAt.size()) {
                throw new AssertionError(rule("R113") + "the handler threw " + throwAt.size() + " times but only "
                        + propagated + " exceptions came out of poll" + context);
            }
        }
    }

    /**
     * R114: every connection states its largest packet, {@link Connection#maxPacketBytes()}, at least 1 and at most
     * the server's {@link IpcOptions#MAX_PACKET_BYTES}, and keeps to it on both sides of the boundary. A batch with a
     * packet of exactly that many bytes among small ones arrives complete and exact. A batch with a packet of one
     * byte more is refused whole: {@code send} throws {@link IllegalArgumentException} whose message names the packet
     * (its index in the batch, as {@code #2}), its size and the limit; nothing of that batch arrives or is counted;
     * the connection stays open, and the batch after it arrives, then the end. The rule sends a packet of the stated
     * size (16 MiB with the default options): give the test JVM a heap of several times that.
     *
     * <p>If this fails, check: a stated limit that leaves out one of the transport's own bounds (a frame size agreed
     * with the client, a shared-memory region, the largest message of the medium) or that ignores
     * {@code MAX_PACKET_BYTES}; headers counted on one side of the boundary only (an off-by-some between the stated
     * limit and the check); a batch checked packet by packet while it is written instead of whole first; and a
     * refusal message that leaves out the packet, its size or the limit.
     *
     * @param position generated by jqwik: where in its batch the packet at the limit, and the one over it, go
     * @param seed generated by jqwik: the seed of the rule's random choices
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 2)
    public void required_R114_theStatedPacketLimitHoldsOnBothSidesOfTheBoundary(
            @ForAll @IntRange(min = 0, max = 3) int position, @ForAll long seed) throws Exception {
        enter("R114");
        SplittableRandom random = new SplittableRandom(seed);
        try (Session session = openSession()) {
            int limit = session.connection.maxPacketBytes();
            int optionLimit = serverOptions().get(IpcOptions.MAX_PACKET_BYTES);
            if (limit < 1 || limit > optionLimit) {
                throw new AssertionError(rule("R114") + "the connection states maxPacketBytes()=" + limit + ", which is"
                        + " not between 1 and the server's IpcOptions.MAX_PACKET_BYTES=" + optionLimit);
            }
            List<Packet> atLimit = new ArrayList<>();
            List<Packet> refused = new ArrayList<>();
            List<Packet> after = new ArrayList<>();
            for (List<Packet> batch : List.of(atLimit, refused, after)) {
                for (int i = 0; i < 3; i++) {
                    int length = Math.min(limit, random.nextInt(0, 300));
                    batch.add(Packet.of(random.nextLong(), Generators.payload(length, random.nextLong())));
                }
            }
            atLimit.add(position, Packet.of(Long.MAX_VALUE, Generators.payload(limit, seed)));
            int over = limit + 1;
            refused.add(position, Packet.of(Long.MIN_VALUE, Generators.payload(over, ~seed)));
            String[] refusal = new String[1];
            Future<Void> sending = Waits.start(() -> {
                try {
                    session.connection.send(atLimit);
                } catch (IllegalArgumentException e) {
                    throw new AssertionError(
                            rule("R114") + "send refused a batch whose largest packet (#" + position
                                    + ") has exactly the stated maxPacketBytes()=" + limit + " bytes: "
                                    + e.getMessage(),
                            e);
                }
                try {
                    session.connection.send(refused);
                    throw new AssertionError(rule("R114") + "send accepted a batch with a packet (#" + position
                            + ") of " + over + " bytes although the connection states maxPacketBytes()=" + limit);
                } catch (IllegalArgumentException expectedRefusal) {
                    refusal[0] = String.valueOf(expectedRefusal.getMessage());
                }
                if (!session.connection.isOpen()) {
                    throw new AssertionError(rule("R114") + "the connection is no longer open after send refused a"
                            + " batch with a packet over the limit; it must stay usable");
                }
                session.connection.send(after);
                session.connection.sendEnd();
                return null;
            });
            Received received = Receiver.drain(
                    session.client, Receiver.Mode.RECEIVE_PACKETS, 64, waitTimeout(), atLimit.size() + 100);
            await(
                    sending,
                    waitTimeout(),
                    "sending a batch with a packet at the stated limit of " + limit + " bytes, a batch with one of "
                            + over + " bytes, a batch and the end");
            List<Packet> expected = new ArrayList<>(atLimit);
            expected.addAll(after);
            String context = " (stated maxPacketBytes()=" + limit + "; the packet at the limit and the one over it at"
                    + " index " + position + "; the client got " + received.describeEnding() + ")";
            Optional<String> difference = StreamCheck.difference(expected, received.packets());
            if (difference.isPresent()) {
                throw new AssertionError(rule("R114") + difference.get() + context);
            }
            if (received.ending() != Received.Ending.END) {
                throw new AssertionError(rule("R114") + "the stream did not end with the end of the stream" + context);
            }
            for (String part : List.of("#" + position, Integer.toString(over), Integer.toString(limit))) {
                if (!refusal[0].contains(part)) {
                    throw new AssertionError(rule("R114") + "the refusal of packet #" + position + " of " + over
                            + " bytes over the limit of " + limit + " does not say " + part + "; it must name the"
                            + " packet (as #" + position + "), its size and the limit: \"" + refusal[0] + "\"");
                }
            }
            long bytes = expected.stream().mapToLong(Packet::length).sum();
            String counted = "packetsSent=" + session.connection.packetsSent() + ", bytesSent="
                    + session.connection.bytesSent() + ", batchesSent=" + session.connection.batchesSent();
            String sent = "packetsSent=" + expected.size() + ", bytesSent=" + bytes + ", batchesSent=2";
            if (!counted.equals(sent)) {
                throw new AssertionError(rule("R114") + "after two batches sent and one refused the connection counts "
                        + counted + " instead of " + sent + context);
            }
        }
    }

    /**
     * R205 (optional, {@link TransportCapability#PACKET_SIZE_LIMIT}): the largest packet follows
     * {@link IpcOptions#MAX_PACKET_BYTES} set lower than its default (64 KiB on the server for this rule): the
     * connection states at most that ({@link Connection#maxPacketBytes()}), and a batch with a packet of 256 KiB is
     * refused whole: {@code send} throws {@link IllegalArgumentException}, nothing of that batch arrives, the
     * connection stays open, and the batches before and after it arrive intact, then the end.
     *
     * <p>If this fails, check: the option not read by the server's connections, packets of the batch encoded or
     * written before the oversized one was found (validate the whole batch first), a send buffer that keeps them and
     * sends them with the next batch, counters updated for the refused batch, and a connection closed or left
     * unusable by the refusal.
     *
     * @param position generated by jqwik: where in its batch the too large packet goes
     * @param seed generated by jqwik: the seed of the rule's random choices
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 5)
    @RequiresCapability(TransportCapability.PACKET_SIZE_LIMIT)
    public void optional_R205_aBatchWithATooLargePacketIsRefusedWhole(
            @ForAll @IntRange(min = 0, max = 5) int position, @ForAll long seed) throws Exception {
        enter("R205");
        SplittableRandom random = new SplittableRandom(seed);
        List<Packet> before = new ArrayList<>();
        List<Packet> refused = new ArrayList<>();
        List<Packet> after = new ArrayList<>();
        for (List<Packet> batch : List.of(before, refused, after)) {
            for (int i = 0; i < 5; i++) {
                int length = random.nextBoolean() ? random.nextInt(0, 300) : random.nextInt(1000, 30 << 10);
                batch.add(Packet.of(random.nextLong(), Generators.payload(length, random.nextLong())));
            }
        }
        refused.add(position, Packet.of(-1, Generators.payload(256 << 10, seed)));
        IpcOptions server = serverOptions().toBuilder()
                .set(IpcOptions.MAX_PACKET_BYTES, 64 << 10)
                .build();
        try (Session session = Session.open(transport(), server, clientOptions(), waitTimeout())) {
            int stated = session.connection.maxPacketBytes();
            if (stated > 64 << 10) {
                throw new AssertionError(rule("R205") + "the connection states maxPacketBytes()=" + stated
                        + " although the server's IpcOptions.MAX_PACKET_BYTES is 65536");
            }
            Future<Void> sending = Waits.start(() -> {
                session.connection.send(before);
                try {
                    session.connection.send(refused);
                    throw new AssertionError(rule("R205") + "send accepted a batch with a packet of 256 KiB although"
                            + " the server's IpcOptions.MAX_PACKET_BYTES is 64 KiB");
                } catch (IllegalArgumentException expectedRefusal) {
                    // what the rule wants
                }
                if (!session.connection.isOpen()) {
                    throw new AssertionError(rule("R205") + "the connection is no longer open after send refused a"
                            + " batch; it must stay usable");
                }
                session.connection.send(after);
                session.connection.sendEnd();
                return null;
            });
            Received received = Receiver.drain(
                    session.client, Receiver.Mode.RECEIVE_PACKETS, 64, waitTimeout(), before.size() + 100);
            await(sending, waitTimeout(), "sending a batch, a batch with a packet of 256 KiB, a batch and the end");
            List<Packet> expected = new ArrayList<>(before);
            expected.addAll(after);
            Optional<String> difference = StreamCheck.difference(expected, received.packets());
            String context = " (the refused batch had its 256 KiB packet at index " + position + "; the client got "
                    + received.describeEnding() + ")";
            if (difference.isPresent()) {
                throw new AssertionError(rule("R205") + difference.get() + context);
            }
            if (received.ending() != Received.Ending.END) {
                throw new AssertionError(rule("R205") + "the stream did not end with the end of the stream" + context);
            }
        }
    }

    /**
     * R206 (optional, {@link TransportCapability#STREAM_PROPERTIES}): the properties a server attaches ({@link
     * IpcOptions#STREAM_PROPERTIES}) reach its client exactly, in the server's order, as an unmodifiable {@link
     * Client#properties()}, with keys and values in any script, empty values, and as many entries and bytes as the
     * limits allow; asking for them consumes no packet (the stream sent afterwards arrives complete, then the end);
     * a client of a server without properties sees an empty map.
     *
     * <p>If this fails, check: the properties not sent at all, or only when the ring or shared memory is on (or off);
     * an encoding that drops empty values, reorders entries or mangles non-ASCII text; a frame or message that cuts
     * off at some size below the limit; a client that reads packets while it waits for the properties (Aeron's
     * WELCOME) and so loses or reorders them; and a map the application can change.
     *
     * @param count generated by jqwik: how many random properties the server attaches, besides the fixed ones
     * @param seed generated by jqwik: the seed of the rule's random choices
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 3)
    @RequiresCapability(TransportCapability.STREAM_PROPERTIES)
    public void optional_R206_streamPropertiesReachTheClientExactly(
            @ForAll @IntRange(min = 0, max = 40) int count, @ForAll long seed) throws Exception {
        enter("R206");
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("linktype", "276");
        properties.put("empty", "");
        properties.put("na\u00efve \u4e2d\u6587 \ud83d\ude00", "\u00e9t\u00e9 \u0440\u0443\u0441 \ud83d\udce6");
        for (int i = 0; i < count; i++) {
            properties.put("k" + i + "-" + random.nextInt(1000), "v".repeat(random.nextInt(0, 60)));
        }
        checkProperties(properties, random);
        Map<String, String> largest = new LinkedHashMap<>();
        for (int i = 0; i < 63; i++) {
            largest.put(String.format("key%02d", i), "");
        }
        // 4 + 63 entries of 6 + 5 bytes, then one entry of 6 + 4 bytes of key: the rest of the 4088 bytes as value
        largest.put("last", "x".repeat(4088 - 4 - 63 * 11 - 10));
        checkProperties(largest, random);
        checkProperties(Map.of(), random);
    }

    private void checkProperties(Map<String, String> properties, SplittableRandom random) throws Exception {
        IpcOptions server = serverOptions().toBuilder()
                .set(IpcOptions.STREAM_PROPERTIES, properties)
                .build();
        String what = properties.isEmpty() ? "no properties" : properties.size() + " properties";
        try (Session session = Session.open(transport(), server, clientOptions(), waitTimeout())) {
            List<Packet> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                batch.add(Packet.of(random.nextLong(), Generators.payload(random.nextInt(0, 200), random.nextLong())));
            }
            Future<Void> sending = Waits.start(() -> {
                session.connection.send(batch);
                session.connection.sendEnd();
                return null;
            });
            Map<String, String> got = Waits.call(
                    waitTimeout(), "Client.properties() of a server with " + what, session.client::properties);
            if (!got.equals(properties)
                    || !new ArrayList<>(got.keySet()).equals(new ArrayList<>(properties.keySet()))) {
                throw new AssertionError(rule("R206") + "the server attached " + describe(properties)
                        + " but the client's properties() are " + describe(got));
            }
            try {
                got.put("added by the application", "x");
                throw new AssertionError(
                        rule("R206") + "the client's properties() can be changed; they must be" + " unmodifiable");
            } catch (UnsupportedOperationException expected) {
                // what the rule wants
            }
            Received received =
                    Receiver.drain(session.client, Receiver.Mode.POLL, 64, waitTimeout(), batch.size() + 100);
            await(sending, waitTimeout(), "sending a batch and the end to a client with " + what);
            Optional<String> difference = StreamCheck.difference(batch, received.packets());
            String context = " (after the client read " + what + "; it got " + received.describeEnding() + ")";
            if (difference.isPresent()) {
                throw new AssertionError(rule("R206") + difference.get() + context);
            }
            if (received.ending() != Received.Ending.END) {
                throw new AssertionError(rule("R206") + "the stream did not end with the end of the stream" + context);
            }
        }
    }

    private static String describe(Map<String, String> properties) {
        String all = properties.entrySet().stream()
                .map(e -> e.getKey() + "="
                        + (e.getValue().length() > 40
                                ? e.getValue().substring(0, 40) + "...("
                                        + e.getValue().length() + " chars)"
                                : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
        return properties.size() + " entries " + (all.length() > 600 ? all.substring(0, 600) + "...}" : all);
    }

    // ---------------------------------------------------------------------------------------------------------
    // End of stream and close

    /**
     * R103: after {@link dev.packetipc.Connection#sendEnd()} the client first drains everything sent before it,
     * even when all of it was sent before the client started receiving, and then {@code receivePackets} returns
     * {@link Optional#empty()} on every later call, with or without a timeout.
     *
     * <p>If this fails, check: that the end is queued behind the data rather than overtaking it, that a client which
     * has seen the end keeps answering empty instead of throwing or blocking, and that closing or ending on the
     * server side does not discard data the client has not read yet.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 20)
    public void required_R103_endOfStreamDrainsThenEmptyForever(
            @ForAll(supplier = Generators.SmallBatches.class) List<List<Packet>> batches,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R103");
        List<Packet> expected = StreamCheck.flatten(batches);
        try (Session session = openSession()) {
            sendAllThenEnd(session, batches);
            Received received = Receiver.drain(
                    session.client, Receiver.Mode.RECEIVE_PACKETS, receiveSize, waitTimeout(), expected.size() + 1000);
            Optional<String> difference = StreamCheck.difference(expected, received.packets());
            if (difference.isPresent() || received.ending() != Received.Ending.END) {
                throw new AssertionError(rule("R103") + "sent " + expected.size() + " packets and the end before the"
                        + " client received; it got " + received.describeEnding()
                        + difference.map(d -> ": " + d).orElse(""));
            }
            for (int call = 2; call <= 4; call++) {
                int n = call;
                Optional<?> again = call(
                        waitTimeout(),
                        "receivePackets after the end",
                        () -> n % 2 == 0
                                ? session.client.receivePackets(receiveSize, waitTimeout())
                                : session.client.receivePackets(receiveSize));
                if (again.isPresent()) {
                    throw new AssertionError(rule("R103") + "call #" + call + " of receivePackets after the end"
                            + " returned " + again.get() + " instead of Optional.empty()");
                }
            }
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(
                    rule("R103") + "after the end, receivePackets must return Optional.empty()" + " forever, but threw "
                            + e,
                    e);
        }
    }

    /**
     * R104: after the end, {@link Client#poll(PacketHandler, int)} and {@link Client#poll(PacketHandler, int,
     * Duration)} return {@link Client#END_OF_STREAM} on every call and never call the handler.
     *
     * <p>If this fails, check: the bookkeeping that remembers the end was handed out, and that {@code poll} without a
     * timeout does not report 0 (nothing yet) after the end.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 20)
    public void required_R104_pollReturnsEndOfStreamForever(
            @ForAll(supplier = Generators.SmallBatches.class) List<List<Packet>> batches,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R104");
        List<Packet> expected = StreamCheck.flatten(batches);
        try (Session session = openSession()) {
            sendAllThenEnd(session, batches);
            Received received = Receiver.drain(
                    session.client, Receiver.Mode.POLL, receiveSize, waitTimeout(), expected.size() + 1000);
            Optional<String> difference = StreamCheck.difference(expected, received.packets());
            if (difference.isPresent() || received.ending() != Received.Ending.END) {
                throw new AssertionError(rule("R104") + "sent " + expected.size() + " packets and the end; polling"
                        + " got " + received.describeEnding()
                        + difference.map(d -> ": " + d).orElse(""));
            }
            int[] handed = new int[1];
            PacketHandler counter = packet -> handed[0]++;
            for (int call = 2; call <= 5; call++) {
                int n = call;
                int result = call(
                        waitTimeout(),
                        "poll after the end",
                        () -> n % 2 == 0
                                ? session.client.poll(counter, receiveSize)
                                : session.client.poll(counter, receiveSize, waitTimeout()));
                if (result != Client.END_OF_STREAM || handed[0] != 0) {
                    throw new AssertionError(rule("R104") + "call #" + call + " of poll after the end returned "
                            + result + " and handed out " + handed[0] + " packets instead of returning END_OF_STREAM ("
                            + Client.END_OF_STREAM + ")");
                }
            }
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(
                    rule("R104") + "after the end, poll must return END_OF_STREAM forever, but threw " + e, e);
        }
    }

    /**
     * R105: when the server closes a connection without sending the end, the client receives, in order, packets sent
     * before the close (all of them or the first ones), then either the end of the stream or a
     * {@link dev.packetipc.PeerGoneException}; it never hangs and never makes up packets.
     *
     * <p>If this fails, check: that closing the connection is noticed by a blocked or later receive (a closed
     * socket, a flag in shared memory), and that a receive does not wait forever on a peer that is gone.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 20)
    public void required_R105_closeWithoutEndGivesEndOrPeerGone(
            @ForAll(supplier = Generators.SmallBatches.class) List<List<Packet>> batches,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R105");
        List<Packet> expected = StreamCheck.flatten(batches);
        try (Session session = openSession()) {
            call(waitTimeout(), "sending " + batches.size() + " small batches", () -> {
                for (List<Packet> batch : batches) {
                    session.connection.send(batch);
                }
                return null;
            });
            session.connection.close();
            Received received = Receiver.drain(
                    session.client, Receiver.Mode.RECEIVE_PACKETS, receiveSize, waitTimeout(), expected.size() + 1000);
            if (received.ending() != Received.Ending.END && received.ending() != Received.Ending.PEER_GONE) {
                throw new AssertionError(rule("R105") + "sent " + expected.size() + " packets and closed the"
                        + " connection without the end; the client got " + received.describeEnding()
                        + " instead of the end or a PeerGoneException");
            }
            List<Packet> prefix = expected.subList(
                    0, Math.min(expected.size(), received.packets().size()));
            Optional<String> difference = StreamCheck.difference(prefix, received.packets());
            if (difference.isPresent()) {
                throw new AssertionError(rule("R105") + "after a close without the end, what arrived is not the start"
                        + " of what was sent: " + difference.get());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connecting, accepting, closing and timeouts

    /**
     * R106: connecting to a name no server answers to (the name of a server that has closed) fails within a few
     * seconds with {@link NoSuchServerException}, not with a hang, a timeout or another exception.
     *
     * <p>If this fails, check: that {@code Server.close()} releases the name (removes the socket file, unlinks the
     * shared memory, unregisters the name), and that {@code connect} distinguishes "nobody there" from other errors.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    public void required_R106_connectToUnknownNameFailsFast() throws Exception {
        enter("R106");
        String name;
        try (Server server = transport().newServer(serverOptions())) {
            name = server.name();
        }
        Duration limit = Duration.ofSeconds(5);
        Exception failure = failure(
                Waits.start(() -> transport().connect(name, clientOptions())), limit, "connect(\"" + name + "\")");
        if (!(failure instanceof NoSuchServerException)) {
            throw new AssertionError(
                    rule("R106") + "connecting to the name of a closed server (" + name + ") threw " + failure
                            + " instead of NoSuchServerException",
                    failure);
        }
    }

    /**
     * R107: {@link Server#close()} wakes a thread blocked in {@link Server#accept()} with a {@link ClosedException},
     * and later accepts fail the same way at once.
     *
     * <p>If this fails, check: that close interrupts the blocking accept (closes the listening socket, signals the
     * waiting thread) and that the exception is translated into {@code ClosedException}.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    public void required_R107_serverCloseWakesBlockedAccept() throws Exception {
        enter("R107");
        Server server = transport().newServer(serverOptions());
        try {
            Future<?> accepting = Waits.start(server::accept);
            server.close();
            Exception failure = failure(accepting, waitTimeout(), "accept() during Server.close()");
            if (!(failure instanceof ClosedException)) {
                throw new AssertionError(
                        rule("R107") + "accept() woken by Server.close() threw " + failure
                                + " instead of ClosedException",
                        failure);
            }
            Exception again = failure(Waits.start(server::accept), waitTimeout(), "accept() after close()");
            if (!(again instanceof ClosedException)) {
                throw new AssertionError(
                        rule("R107") + "accept() after Server.close() threw " + again + " instead of ClosedException",
                        again);
            }
        } finally {
            server.close();
        }
    }

    /**
     * R108: {@link Client#close()} wakes a thread blocked in {@link Client#receivePackets(int)} with a
     * {@link ClosedException}; later receives and polls fail the same way.
     *
     * <p>If this fails, check: that close wakes the receiving thread (shuts the socket down, signals the condition or
     * futex it waits on) and is safe to call from another thread.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    public void required_R108_clientCloseWakesBlockedReceive() throws Exception {
        enter("R108");
        try (Session session = openSession()) {
            Future<?> receiving = Waits.start(() -> session.client.receivePackets(16));
            session.client.close();
            Exception failure = failure(receiving, waitTimeout(), "receivePackets(16) during Client.close()");
            if (!(failure instanceof ClosedException)) {
                throw new AssertionError(
                        rule("R108") + "receivePackets woken by Client.close() threw " + failure
                                + " instead of ClosedException",
                        failure);
            }
            Exception again = failure(
                    Waits.start(() -> session.client.poll(packet -> {}, 1)), waitTimeout(), "poll after close()");
            if (!(again instanceof ClosedException)) {
                throw new AssertionError(
                        rule("R108") + "poll after Client.close() threw " + again + " instead of ClosedException",
                        again);
            }
        }
    }

    /**
     * R109: when nothing arrives, {@link Client#receivePackets(int, Duration)} throws {@link IpcTimeoutException}
     * after about the timeout, {@code poll} with a timeout and {@code poll} without one return 0; the stream still
     * works afterwards.
     *
     * <p>If this fails, check: how a timed wait is implemented (a read timeout, a timed condition wait) and that a
     * timeout does not break the connection or lose a partly read frame.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    public void required_R109_receiveTimesOutWhenNothingArrives() throws Exception {
        enter("R109");
        Duration shortWait = Duration.ofMillis(100);
        try (Session session = openSession()) {
            Exception failure = failure(
                    Waits.start(() -> session.client.receivePackets(8, shortWait)),
                    waitTimeout(),
                    "receivePackets(8, " + shortWait + ")");
            if (!(failure instanceof IpcTimeoutException)) {
                throw new AssertionError(
                        rule("R109") + "receivePackets(8, " + shortWait + ") with nothing sent threw " + failure
                                + " instead of IpcTimeoutException",
                        failure);
            }
            int timed = call(
                    waitTimeout(),
                    "poll(handler, 8, " + shortWait + ")",
                    () -> session.client.poll(packet -> {}, 8, shortWait));
            int immediate = call(waitTimeout(), "poll(handler, 8)", () -> session.client.poll(packet -> {}, 8));
            if (timed != 0 || immediate != 0) {
                throw new AssertionError(rule("R109") + "with nothing sent, poll with a timeout returned " + timed
                        + " and poll without one returned " + immediate + "; both must return 0");
            }
            Packet packet = Packet.of(42, new byte[] {1, 2, 3});
            call(waitTimeout(), "send", () -> {
                session.connection.send(List.of(packet));
                return null;
            });
            Optional<List<IpcPacket>> after = call(
                    waitTimeout().plus(waitTimeout()),
                    "receivePackets(8, " + waitTimeout() + ")",
                    () -> session.client.receivePackets(8, waitTimeout()));
            List<Packet> got = after.map(
                            list -> list.stream().map(IpcPacket::toPacket).collect(Collectors.toList()))
                    .orElse(null);
            Optional<String> difference = got == null
                    ? Optional.of("the end of the stream arrived instead")
                    : StreamCheck.difference(List.of(packet), got);
            if (difference.isPresent()) {
                throw new AssertionError(rule("R109") + "after the timeouts, the next packet sent did not arrive"
                        + " intact: " + difference.get());
            }
        }
    }

    /**
     * R110: {@link Server#accept(Duration)} throws {@link IpcTimeoutException} when no client connects in time, and
     * the server still accepts the next client afterwards.
     *
     * <p>If this fails, check: the timed accept (a socket timeout, a timed wait) and that a timeout does not close the
     * listening endpoint.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    public void required_R110_acceptTimesOutWhenNoClientConnects() throws Exception {
        enter("R110");
        Duration shortWait = Duration.ofMillis(100);
        try (Server server = transport().newServer(serverOptions())) {
            Exception failure =
                    failure(Waits.start(() -> server.accept(shortWait)), waitTimeout(), "accept(" + shortWait + ")");
            if (!(failure instanceof IpcTimeoutException)) {
                throw new AssertionError(
                        rule("R110") + "accept(" + shortWait + ") with no client threw " + failure
                                + " instead of IpcTimeoutException",
                        failure);
            }
            try (Session session = Session.another(transport(), server, clientOptions(), waitTimeout())) {
                if (!session.connection.isOpen()) {
                    throw new AssertionError(rule("R110") + "the connection accepted after a timeout is not open");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Stateful

    private final List<StatefulModel> models = new ArrayList<>();

    /**
     * R111: any interleaving of sends, receives and polls of any size, the end, a send after the end, a second end,
     * and closes of either side behaves as a simple model says: packets arrive in order and exactly, a receive with
     * nothing there times out, the end comes after the data, a send after the end throws {@link ClosedException}, a
     * close without the end gives the end or a {@link dev.packetipc.PeerGoneException}, a receive on a closed client
     * throws {@link ClosedException}. Every sequence ends by sending the end (where the connection still can) and
     * draining the client, so a packet lost anywhere is noticed. jqwik reports a failing sequence by its steps'
     * labels, shrunk.
     *
     * <p>This method is package-private because its parameter is a jqwik type; jqwik runs it in subclasses all the
     * same.
     *
     * <p>If this fails, check: the shortest sequence in the report; typical causes are state kept per call instead
     * of per connection (a partly consumed batch lost between a {@code poll} and a {@code receivePackets}), a timeout
     * that corrupts the stream, and close or end flags that are not seen by the other side.
     */
    @Property(tries = 30)
    void required_R111_interleavedCallsMatchTheModel(@ForAll("r111Chains") ActionChain<StatefulModel> chain) {
        enter("R111");
        try {
            chain.run().finish();
        } finally {
            models.forEach(StatefulModel::close);
            models.clear();
        }
    }

    @Provide
    Arbitrary<ActionChain<StatefulModel>> r111Chains() {
        ActionChainArbitrary<StatefulModel> chains = ActionChain.startWith(this::newModel);
        for (StatefulModel.Weighted weighted : StatefulModel.actions()) {
            chains = chains.withAction(weighted.weight(), weighted.action());
        }
        return chains.withMaxTransformations(25);
    }

    private StatefulModel newModel() {
        try {
            StatefulModel model = new StatefulModel(openSession(), rule("R111"), waitTimeout());
            models.add(model);
            return model;
        } catch (Exception e) {
            throw new IllegalStateException(rule("R111") + "could not open a session: " + e, e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Optional rules

    /** How long a child JVM may take to start and get going, on top of {@link #waitTimeout()}. */
    private static final Duration CHILD_START = Duration.ofSeconds(30);

    /**
     * R201 (optional, {@link TransportCapability#CROSS_PROCESS}): a client in another JVM receives the stream a server
     * in this JVM sends, complete, in order and exact, then the end. The child JVM has this JVM's class path plus
     * {@link #childJvmArguments()}, and makes its transport by instantiating this contract class. Even receive sizes
     * use {@code poll}, odd ones {@code receivePackets}.
     *
     * <p>If this fails, check the child JVM's output in the message first (a missing JDK flag, a native library that
     * does not load), then: names that only make sense inside one process, shared memory or files that the other
     * process cannot open (permissions, a path relative to the working directory), and the byte order of the wire
     * format.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 3)
    @RequiresCapability(TransportCapability.CROSS_PROCESS)
    public void optional_R201_clientInAChildJvmReceivesTheStream(
            @ForAll(supplier = Generators.Batches.class) List<List<Packet>> batches,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R201");
        List<Packet> expected = StreamCheck.flatten(batches);
        Receiver.Mode mode = receiveSize % 2 == 0 ? Receiver.Mode.POLL : Receiver.Mode.RECEIVE_PACKETS;
        Path dir = Files.createTempDirectory("packet-ipc-conformance");
        Path result = dir.resolve("received.bin");
        try (Server server = transport().newServer(serverOptions());
                ChildJvm child = ChildJvm.start(
                        childJvmArguments(),
                        List.of(
                                "client",
                                getClass().getName(),
                                server.name(),
                                Integer.toString(receiveSize),
                                mode.name(),
                                Long.toString(waitTimeout().toMillis()),
                                Integer.toString(expected.size() + 1000),
                                result.toString()))) {
            Connection connection = acceptFrom(child, server, "R201");
            try {
                Future<Void> sending = Waits.start(() -> {
                    for (List<Packet> batch : batches) {
                        connection.send(batch);
                    }
                    connection.sendEnd();
                    return null;
                });
                int code = child.awaitExit(CHILD_START.plus(waitTimeout()));
                String sender = senderOutcome(sending);
                if (code != 0 || !Files.exists(result)) {
                    throw new AssertionError(rule("R201") + "the child JVM client failed (exit code " + code
                            + "; the sender " + sender + ")" + child.describe());
                }
                Received received = PacketFiles.readReceived(result);
                Optional<String> difference = StreamCheck.difference(expected, received.packets());
                if (difference.isPresent() || received.ending() != Received.Ending.END) {
                    throw new AssertionError(rule("R201") + "the client in the child JVM got "
                            + received.describeEnding()
                            + difference.map(d -> ": " + d).orElse("") + " (sent "
                            + expected.size() + " packets in " + batches.size() + " batches and the end; the sender "
                            + sender + ")" + child.describe());
                }
            } finally {
                connection.close();
            }
        } finally {
            Files.deleteIfExists(result);
            Files.deleteIfExists(dir);
        }
    }

    /**
     * R202 (optional, {@link TransportCapability#CROSS_PROCESS}): a server in another JVM sends a stream that a client
     * in this JVM receives complete, in order and exact, then the end. Even receive sizes use {@code poll}, odd ones
     * {@code receivePackets}.
     *
     * <p>If this fails, check the child JVM's output in the message first, then: that the server's name is usable
     * from another process as printed, and that the server keeps what it sent readable until the client has it.
     *
     * @param batches generated by jqwik: the batches to send, each a list of packets (empty batches included)
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 3)
    @RequiresCapability(TransportCapability.CROSS_PROCESS)
    public void optional_R202_serverInAChildJvmSendsTheStream(
            @ForAll(supplier = Generators.Batches.class) List<List<Packet>> batches,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R202");
        List<Packet> expected = StreamCheck.flatten(batches);
        Receiver.Mode mode = receiveSize % 2 == 0 ? Receiver.Mode.POLL : Receiver.Mode.RECEIVE_PACKETS;
        Path dir = Files.createTempDirectory("packet-ipc-conformance");
        Path batchesFile = dir.resolve("batches.bin");
        PacketFiles.writeBatches(batchesFile, batches);
        try (ChildJvm child = ChildJvm.start(
                childJvmArguments(),
                List.of(
                        "server",
                        getClass().getName(),
                        batchesFile.toString(),
                        Long.toString(CHILD_START.plus(waitTimeout()).toMillis())))) {
            String name = child.awaitLine("NAME ", CHILD_START.plus(waitTimeout()));
            Received received;
            try (Client client = call(
                    waitTimeout(),
                    "connect(\"" + name + "\")",
                    () -> transport().connect(name, clientOptions()))) {
                received = Receiver.drain(client, mode, receiveSize, waitTimeout(), expected.size() + 1000);
            } catch (Exception e) {
                throw new AssertionError(
                        rule("R202") + "connecting to the child JVM's server " + name + " failed: " + e
                                + child.describe(),
                        e);
            }
            Optional<String> difference = StreamCheck.difference(expected, received.packets());
            if (difference.isPresent() || received.ending() != Received.Ending.END) {
                throw new AssertionError(rule("R202") + "the client got " + received.describeEnding()
                        + difference.map(d -> ": " + d).orElse("") + " from the server in the child JVM (it sent "
                        + expected.size() + " packets in " + batches.size() + " batches and the end)"
                        + child.describe());
            }
            child.say("BYE");
            int code = child.awaitExit(waitTimeout());
            if (code != 0) {
                throw new AssertionError(
                        rule("R202") + "the child JVM server exited with code " + code + child.describe());
            }
        } finally {
            Files.deleteIfExists(batchesFile);
            Files.deleteIfExists(dir);
        }
    }

    /** Accepts the child's client, failing at once with the child's output if the child exits first. */
    private Connection acceptFrom(ChildJvm child, Server server, String id) throws Exception {
        Duration step = Duration.ofMillis(200);
        long deadline = System.nanoTime() + CHILD_START.plus(waitTimeout()).toNanos();
        while (true) {
            try {
                return call(waitTimeout().plus(step), "accept(" + step + ")", () -> server.accept(step));
            } catch (IpcTimeoutException e) {
                if (!child.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError(rule(id) + "the child JVM's client never connected"
                            + (child.isAlive() ? " within " + CHILD_START.plus(waitTimeout()) : "; the child exited")
                            + child.describe());
                }
            }
        }
    }

    /** The {@link IpcOptions#LIVENESS_TIMEOUT} of both sides in the liveness rules R207 to R210. */
    private static final Duration RULE_LIVENESS = Duration.ofSeconds(1);

    /**
     * How far beyond {@link IpcOptions#LIVENESS_TIMEOUT} a transport may take to report a frozen or killed peer in
     * the liveness rules (R207 to R210): the time its checks take to run, and a loaded machine. By default 3 seconds.
     *
     * @return the slack, positive
     */
    protected Duration livenessSlack() {
        return Duration.ofSeconds(3);
    }

    private static IpcOptions withRuleLiveness(IpcOptions options) {
        return options.toBuilder()
                .set(IpcOptions.LIVENESS_TIMEOUT, RULE_LIVENESS)
                .build();
    }

    /**
     * R207 (optional, {@link TransportCapability#LIVENESS}): a server in another process that is frozen with SIGSTOP
     * (alive, holding its end, but never running again) is reported to its client, blocked in {@code receivePackets},
     * as {@link dev.packetipc.PeerGoneException} within {@link IpcOptions#LIVENESS_TIMEOUT} (1 s here, on both sides)
     * plus {@link #livenessSlack()}, not left to the receive's own time-out. Skipped where there is no SIGSTOP
     * (Windows).
     *
     * <p>If this fails, check that the server sends signs of life (heartbeats) from a thread of its own, not only when
     * its user sends, and that a blocked receive compares the time since it last heard anything with the time-out.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    @RequiresCapability(TransportCapability.LIVENESS)
    @FreezesAProcess
    public void optional_R207_aFrozenServerIsReportedToABlockedClient() throws Exception {
        enter("R207");
        deadServer("R207", true);
    }

    /**
     * R208 (optional, {@link TransportCapability#LIVENESS}): a client in another process that is frozen with SIGSTOP
     * is reported to its server, whose {@code send} blocks once the client's buffers are full, as an {@link
     * dev.packetipc.IpcException} other than its own time-out, within {@link IpcOptions#LIVENESS_TIMEOUT} (1 s) plus
     * {@link #livenessSlack()}. Skipped where there is no SIGSTOP (Windows).
     *
     * <p>If this fails, check that the client sends heartbeats whether or not its user receives, and that a send
     * waiting for room also looks for them.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    @RequiresCapability(TransportCapability.LIVENESS)
    @FreezesAProcess
    public void optional_R208_aFrozenClientIsReportedToABlockedSend() throws Exception {
        enter("R208");
        deadClient("R208", true);
    }

    /**
     * R209 (optional, {@link TransportCapability#LIVENESS}): a server in another process that is killed (SIGKILL) is
     * reported to its client, blocked in {@code receivePackets}, as {@link dev.packetipc.PeerGoneException} within
     * {@link IpcOptions#LIVENESS_TIMEOUT} (1 s) plus {@link #livenessSlack()}.
     *
     * <p>If this fails, check that a receive notices the end of the server's side (a closed socket, a lease that is
     * no longer renewed) while it waits.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    @RequiresCapability(TransportCapability.LIVENESS)
    public void optional_R209_aKilledServerIsReportedToABlockedClient() throws Exception {
        enter("R209");
        deadServer("R209", false);
    }

    /**
     * R210 (optional, {@link TransportCapability#LIVENESS}): a client in another process that is killed (SIGKILL) is
     * reported to its server's {@code send} as an {@link dev.packetipc.IpcException} other than its own time-out,
     * within {@link IpcOptions#LIVENESS_TIMEOUT} (1 s) plus {@link #livenessSlack()}.
     *
     * <p>If this fails, check that a send waiting for room notices that the client's side has ended.
     *
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Example
    @RequiresCapability(TransportCapability.LIVENESS)
    public void optional_R210_aKilledClientIsReportedToABlockedSend() throws Exception {
        enter("R210");
        deadClient("R210", false);
    }

    /** What a call blocked on a dead peer threw; fails the rule, saying so, if it did not throw in time. */
    private Exception stillBlocked(String id, Future<?> call, Duration timeout, String what, ChildJvm child) {
        try {
            return Waits.failure(call, timeout, what);
        } catch (AssertionError e) {
            throw new AssertionError(
                    rule(id) + what + " did not throw within " + timeout + ": nothing reported the peer gone ("
                            + e.getMessage() + ")" + child.describe(),
                    e);
        }
    }

    /** R207 and R209: an idle server in a child JVM, frozen or killed while this JVM's client waits for packets. */
    private void deadServer(String id, boolean freeze) throws Exception {
        Duration bound = RULE_LIVENESS.plus(livenessSlack());
        Duration patience = bound.plus(waitTimeout());
        try (ChildJvm child = ChildJvm.start(
                childJvmArguments(),
                List.of(
                        "idle-server",
                        getClass().getName(),
                        Long.toString(RULE_LIVENESS.toMillis()),
                        Long.toString(CHILD_START.plus(patience).toMillis())))) {
            String name = child.awaitLine("NAME ", CHILD_START.plus(waitTimeout()));
            try (Client client = call(
                    waitTimeout(),
                    "connect(\"" + name + "\")",
                    () -> transport().connect(name, withRuleLiveness(clientOptions())))) {
                Optional<List<IpcPacket>> first = call(
                        waitTimeout().plus(waitTimeout()),
                        "the first receivePackets",
                        () -> client.receivePackets(10, waitTimeout()));
                if (first.isEmpty() || first.get().size() != 1) {
                    throw new AssertionError(
                            rule(id) + "the idle server's one packet did not arrive: " + first + child.describe());
                }
                child.awaitLine("SENT", waitTimeout());
                long start = System.nanoTime();
                if (freeze) {
                    child.freeze();
                } else {
                    child.kill();
                }
                String what = freeze ? "frozen (SIGSTOP)" : "killed (SIGKILL)";
                Future<Optional<List<IpcPacket>>> receiving = Waits.start(() -> client.receivePackets(10, patience));
                Exception e = stillBlocked(
                        id,
                        receiving,
                        patience.plus(waitTimeout()),
                        "the server's process was " + what + "; the client's receivePackets, blocked on it,",
                        child);
                long took = (System.nanoTime() - start) / 1_000_000;
                if (!(e instanceof dev.packetipc.PeerGoneException)) {
                    throw new AssertionError(
                            rule(id) + "the server's process was " + what + "; the client's"
                                    + " receivePackets, blocked on it, threw " + e + " after " + took + " ms instead of"
                                    + " PeerGoneException within LIVENESS_TIMEOUT=" + RULE_LIVENESS + " + slack "
                                    + livenessSlack() + child.describe(),
                            e);
                }
                if (took > bound.toMillis()) {
                    throw new AssertionError(rule(id) + "the server's process was " + what + "; the client noticed"
                            + " only after " + took + " ms, beyond LIVENESS_TIMEOUT=" + RULE_LIVENESS + " + slack "
                            + livenessSlack() + ": " + e);
                }
            }
        }
    }

    /** R208 and R210: an idle client in a child JVM, frozen or killed while this JVM's server sends to it. */
    private void deadClient(String id, boolean freeze) throws Exception {
        Duration bound = RULE_LIVENESS.plus(livenessSlack());
        Duration patience = bound.plus(waitTimeout());
        try (Server server = transport().newServer(withRuleLiveness(serverOptions()));
                ChildJvm child = ChildJvm.start(
                        childJvmArguments(),
                        List.of(
                                "idle-client",
                                getClass().getName(),
                                server.name(),
                                Long.toString(RULE_LIVENESS.toMillis()),
                                Long.toString(CHILD_START.plus(patience).toMillis())))) {
            Connection connection = acceptFrom(child, server, id);
            try {
                child.awaitLine("CONNECTED", waitTimeout());
                long start = System.nanoTime();
                if (freeze) {
                    child.freeze();
                } else {
                    child.kill();
                }
                List<Packet> batch = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    batch.add(Packet.of(i, new byte[1024]));
                }
                Future<Long> sending = Waits.start(() -> {
                    for (long sent = 0; ; sent++) { // until the client's buffers are full and the send blocks
                        connection.send(batch, patience);
                    }
                });
                String what = freeze ? "frozen (SIGSTOP)" : "killed (SIGKILL)";
                Exception e = stillBlocked(
                        id,
                        sending,
                        patience.plus(waitTimeout()),
                        "the client's process was " + what + "; the server's send, blocked on it,",
                        child);
                long took = (System.nanoTime() - start) / 1_000_000;
                if (!(e instanceof dev.packetipc.IpcException)
                        || e instanceof IpcTimeoutException
                        || e instanceof dev.packetipc.ClosedException) {
                    throw new AssertionError(
                            rule(id) + "the client's process was " + what + "; the server's send,"
                                    + " blocked on it, threw " + e + " after " + took + " ms instead of an IpcException"
                                    + " saying the client is gone, within LIVENESS_TIMEOUT=" + RULE_LIVENESS
                                    + " + slack "
                                    + livenessSlack() + child.describe(),
                            e);
                }
                if (took > bound.toMillis()) {
                    throw new AssertionError(rule(id) + "the client's process was " + what + "; the server noticed"
                            + " only after " + took + " ms, beyond LIVENESS_TIMEOUT=" + RULE_LIVENESS + " + slack "
                            + livenessSlack() + ": " + e);
                }
            } finally {
                connection.close();
            }
        }
    }

    /**
     * R203 (optional, {@link TransportCapability#MULTIPLE_CLIENTS}): several clients connected to one server at once
     * each receive exactly the stream their own connection sent, while all connections send concurrently.
     *
     * <p>If this fails, check: per-connection state on the server (buffers, sequence numbers, shared memory
     * segments) that is accidentally shared between connections, and which connection {@code accept()} returns for
     * which client.
     *
     * @param streams generated by jqwik: one stream of batches per client
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 10)
    @RequiresCapability(TransportCapability.MULTIPLE_CLIENTS)
    public void optional_R203_eachOfSeveralClientsGetsItsOwnStream(
            @ForAll(supplier = Generators.SeveralStreams.class) List<List<List<Packet>>> streams,
            @ForAll(supplier = Generators.ReceiveSizes.class) int receiveSize)
            throws Exception {
        enter("R203");
        List<Session> sessions = new ArrayList<>();
        try (Server server = transport().newServer(serverOptions())) {
            for (int i = 0; i < streams.size(); i++) {
                sessions.add(Session.another(transport(), server, clientOptions(), waitTimeout()));
            }
            List<Future<Received>> receiving = new ArrayList<>();
            for (int i = 0; i < streams.size(); i++) {
                Session session = sessions.get(i);
                List<List<Packet>> batches = streams.get(i);
                Waits.start(() -> {
                    for (List<Packet> batch : batches) {
                        session.connection.send(batch);
                    }
                    session.connection.sendEnd();
                    return null;
                });
                int limit = StreamCheck.flatten(batches).size() + 1000;
                receiving.add(Waits.start(() -> Receiver.drain(
                        session.client, Receiver.Mode.RECEIVE_PACKETS, receiveSize, waitTimeout(), limit)));
            }
            for (int i = 0; i < streams.size(); i++) {
                Received received = await(
                        receiving.get(i), waitTimeout().multipliedBy(2), "client #" + i + " receiving its stream");
                List<Packet> expected = StreamCheck.flatten(streams.get(i));
                Optional<String> difference = StreamCheck.difference(expected, received.packets());
                if (difference.isPresent() || received.ending() != Received.Ending.END) {
                    throw new AssertionError(rule("R203") + "client #" + i + " of " + streams.size() + " got "
                            + received.describeEnding()
                            + difference.map(d -> ": " + d).orElse("")
                            + " (expected its own " + expected.size() + " packets, then the end)");
                }
            }
        } finally {
            for (Session session : sessions) {
                session.client.close();
                session.connection.close();
            }
        }
    }

    /**
     * R204 (optional, {@link TransportCapability#ZERO_COPY_RECEIVE}): large payloads, many times more in total than
     * the shared-memory region ({@link IpcOptions#SHARED_MEMORY_BYTES} is set to 1 MiB for this rule), from 32 KiB to
     * the whole region, stream through {@code poll} exactly; each is handed out read-only, and is intact for the
     * whole callback.
     *
     * <p>If this fails, check: reuse of region space before the client released it (release only after the callback
     * returned), the wrap-around at the end of the region (a payload larger than the space left before the end
     * must still fit once the client released everything), a view that lets the user write into shared memory, and
     * a sender that waits for released space without reading the client's releases.
     *
     * @param receiveSize generated by jqwik: the most packets each receive or poll call asks for
     * @param seed generated by jqwik: the seed of the rule's random choices
     * @throws Exception what the transport threw where the rule expects no exception; the rule fails with it
     */
    @Property(tries = 5)
    @RequiresCapability(TransportCapability.ZERO_COPY_RECEIVE)
    public void optional_R204_largePayloadsStreamThroughABoundedSharedRegion(
            @ForAll @IntRange(min = 1, max = 40) int receiveSize, @ForAll long seed) throws Exception {
        enter("R204");
        List<Packet> packets = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 64; i++) { // about 13 MiB through a 1 MiB region; every 8th payload up to all of it
            byte[] data = new byte
                    [i % 8 == 7 ? random.nextInt(512 << 10, (1 << 20) + 1) : random.nextInt(32 << 10, 256 << 10)];
            random.nextBytes(data);
            packets.add(Packet.of(i, data));
        }
        IpcOptions server = serverOptions().toBuilder()
                .set(IpcOptions.SHARED_MEMORY_BYTES, 1 << 20)
                .build();
        try (Session session = Session.open(transport(), server, clientOptions(), waitTimeout())) {
            Future<Void> sending = Waits.start(() -> {
                for (int from = 0; from < packets.size(); from += 5) {
                    session.connection.send(packets.subList(from, Math.min(packets.size(), from + 5)));
                }
                session.connection.sendEnd();
                return null;
            });
            List<String> problems = new ArrayList<>();
            int[] next = {0};
            PacketHandler check = packet -> {
                int index = next[0]++;
                ByteBuffer data = packet.data();
                if (!data.isReadOnly()) {
                    problems.add("packet #" + index + " was handed out writable");
                }
                byte[] first = packet.toByteArray();
                Packet expected = index < packets.size() ? packets.get(index) : null;
                if (expected == null || !Arrays.equals(first, expected.toByteArray())) {
                    problems.add("packet #" + index + " (" + first.length + " bytes) differs from what was sent");
                } else if (!Arrays.equals(packet.toByteArray(), first)) {
                    problems.add("packet #" + index + " changed while its callback ran");
                }
            };
            long deadline = System.nanoTime() + waitTimeout().multipliedBy(3).toNanos();
            int n;
            do {
                n = call(
                        waitTimeout().multipliedBy(2),
                        "poll",
                        () -> session.client.poll(check, receiveSize, waitTimeout()));
                if (n == 0 || System.nanoTime() > deadline) {
                    throw new AssertionError(rule("R204") + "the stream stalled after " + next[0] + " of "
                            + packets.size() + " packets (sender " + senderOutcome(sending) + ")");
                }
            } while (n != Client.END_OF_STREAM && problems.isEmpty());
            if (!problems.isEmpty() || next[0] != packets.size()) {
                throw new AssertionError(rule("R204") + "received " + next[0] + " of " + packets.size()
                        + " packets with receive size " + receiveSize + ": " + problems);
            }
        }
    }
}
