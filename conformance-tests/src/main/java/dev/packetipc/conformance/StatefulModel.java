package dev.packetipc.conformance;

import dev.packetipc.Client;
import dev.packetipc.ClosedException;
import dev.packetipc.IpcException;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PeerGoneException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.Transformer;

/**
 * The state of rule R111: one real session and a model of what its client must see next. Each action does one call
 * on the real session and checks the outcome against the model; the labels of the transformers form jqwik's report
 * of a failing sequence.
 */
final class StatefulModel {
    private static final Duration NOTHING_THERE = Duration.ofMillis(30);

    private final Session session;
    private final String rule;
    private final Duration timeout;
    private final Deque<Packet> inFlight = new ArrayDeque<>();
    private final List<String> history = new ArrayList<>();
    private boolean endSent;
    private boolean connectionClosed;
    private boolean clientClosed;
    private boolean terminated;
    private boolean endSeen;

    StatefulModel(Session session, String rule, Duration timeout) {
        this.session = session;
        this.rule = rule;
        this.timeout = timeout;
    }

    /** Closes the real session. */
    void close() {
        session.close();
    }

    private boolean canSend() {
        return !endSent && !connectionClosed && !clientClosed;
    }

    private boolean canReceive() {
        return !clientClosed && !terminated;
    }

    /**
     * Ends the sequence the way a user would: sends the end if the connection still can, then receives until the end
     * or the peer's departure, so that packets lost anywhere in the sequence are noticed.
     */
    void finish() {
        history.add("finish");
        if (clientClosed || terminated) {
            return;
        }
        if (canSend()) {
            sendEnd();
        }
        for (int call = 0; call < 10_000 && !endSeen && !terminated; call++) {
            receive(Integer.MAX_VALUE);
        }
    }

    /** An action and how often the chain picks it relative to the others. */
    record Weighted(int weight, Action.Independent<StatefulModel> action) {}

    /**
     * Every action of the chain. Sends and receives are picked four times as often as ends and closes, so that most
     * sequences move data for a while before they end it.
     */
    static List<Weighted> actions() {
        Arbitrary<Transformer<StatefulModel>> sends = Generators.packets(Generators.smallPayloadLengths())
                .list()
                .ofMaxSize(6)
                .map(batch -> Transformer.mutate("send " + batch.size() + " packets", m -> m.send(batch)));
        Arbitrary<Transformer<StatefulModel>> receives =
                Generators.receiveSizes().map(n -> Transformer.mutate("receivePackets(" + n + ")", m -> m.receive(n)));
        Arbitrary<Transformer<StatefulModel>> polls =
                Generators.receiveSizes().map(n -> Transformer.mutate("poll(" + n + ")", m -> m.poll(n)));
        return List.of(
                new Weighted(4, action(StatefulModel::canSend, sends)),
                new Weighted(4, action(StatefulModel::canReceive, receives)),
                new Weighted(4, action(StatefulModel::canReceive, polls)),
                new Weighted(1, action(StatefulModel::canSend, just("sendEnd()", StatefulModel::sendEnd))),
                new Weighted(
                        1, action(StatefulModel::endedButOpen, just("sendEnd() again", StatefulModel::sendEndAgain))),
                new Weighted(
                        1,
                        action(StatefulModel::endedButOpen, just("send after sendEnd()", StatefulModel::sendAfterEnd))),
                new Weighted(
                        1,
                        action(m -> !m.connectionClosed, just("Connection.close()", StatefulModel::closeConnection))),
                new Weighted(1, action(m -> !m.clientClosed, just("Client.close()", StatefulModel::closeClient))),
                new Weighted(
                        1,
                        action(
                                m -> m.clientClosed,
                                just("receivePackets after Client.close()", StatefulModel::receiveAfterClose))));
    }

    private boolean endedButOpen() {
        return endSent && !connectionClosed && !clientClosed;
    }

    private static Arbitrary<Transformer<StatefulModel>> just(String label, Consumer<StatefulModel> step) {
        return Arbitraries.just(Transformer.mutate(label, step));
    }

    private static Action.Independent<StatefulModel> action(
            Predicate<StatefulModel> precondition, Arbitrary<Transformer<StatefulModel>> transformers) {
        return new Action.Independent<>() {
            @Override
            public boolean precondition(StatefulModel state) {
                return precondition.test(state);
            }

            @Override
            public Arbitrary<Transformer<StatefulModel>> transformer() {
                return transformers;
            }
        };
    }

    private void send(List<Packet> batch) {
        history.add("send " + batch.size());
        try {
            Waits.call(timeout.plus(timeout), "send(" + batch.size() + " packets, " + timeout + ")", () -> {
                session.connection.send(batch, timeout);
                return null;
            });
        } catch (AssertionError e) {
            throw fail(e.getMessage(), e);
        } catch (Exception e) {
            throw fail("send of " + batch.size() + " packets on an open connection threw " + e, e);
        }
        inFlight.addAll(batch);
    }

    private void sendEnd() {
        history.add("sendEnd");
        try {
            Waits.call(timeout, "sendEnd()", () -> {
                session.connection.sendEnd();
                return null;
            });
        } catch (AssertionError e) {
            throw fail(e.getMessage(), e);
        } catch (Exception e) {
            throw fail("sendEnd() on an open connection threw " + e, e);
        }
        endSent = true;
    }

    private void sendEndAgain() {
        history.add("sendEnd again");
        try {
            Waits.call(timeout, "a second sendEnd()", () -> {
                session.connection.sendEnd();
                return null;
            });
        } catch (AssertionError e) {
            throw fail(e.getMessage(), e);
        } catch (Exception e) {
            throw fail("a second sendEnd() threw " + e + "; it must do nothing", e);
        }
    }

    private void sendAfterEnd() {
        history.add("send after end");
        try {
            session.connection.send(List.of(Packet.of(1, new byte[] {1})), timeout);
        } catch (ClosedException expected) {
            return;
        } catch (IpcException e) {
            throw fail("send after sendEnd() threw " + e + " instead of ClosedException", e);
        }
        throw fail("send after sendEnd() succeeded; it must throw ClosedException", null);
    }

    private void closeConnection() {
        history.add("close connection");
        session.connection.close();
        connectionClosed = true;
    }

    private void closeClient() {
        history.add("close client");
        session.client.close();
        clientClosed = true;
    }

    private void receiveAfterClose() {
        history.add("receive after client close");
        try {
            Optional<List<IpcPacket>> got = Waits.call(
                    timeout, "receivePackets after Client.close()", () -> session.client.receivePackets(1, timeout));
            throw fail(
                    "receivePackets after Client.close() returned " + got + " instead of throwing ClosedException",
                    null);
        } catch (ClosedException expected) {
            // as it must
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw fail("receivePackets after Client.close() threw " + e + " instead of ClosedException", e);
        }
    }

    private void receive(int n) {
        history.add("receive " + n);
        Duration wait = inFlight.isEmpty() && !endSent && !connectionClosed ? NOTHING_THERE : timeout;
        try {
            Optional<List<IpcPacket>> got = Waits.call(
                    timeout.plus(wait),
                    "receivePackets(" + n + ", " + wait + ")",
                    () -> session.client.receivePackets(n, wait));
            List<Packet> packets = new ArrayList<>();
            got.ifPresent(list -> list.forEach(p -> packets.add(p.toPacket())));
            check(n, got.isPresent() ? packets : null, "receivePackets(" + n + ")");
        } catch (IpcTimeoutException e) {
            checkNothing("receivePackets(" + n + ") threw " + e);
        } catch (PeerGoneException e) {
            checkPeerGone("receivePackets(" + n + ") threw " + e);
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw fail("receivePackets(" + n + ") threw " + e, e);
        }
    }

    private void poll(int n) {
        history.add("poll " + n);
        Duration wait = inFlight.isEmpty() && !endSent && !connectionClosed ? NOTHING_THERE : timeout;
        List<Packet> packets = new ArrayList<>();
        try {
            int result = Waits.call(
                    timeout.plus(wait),
                    "poll(handler, " + n + ", " + wait + ")",
                    () -> session.client.poll(packet -> packets.add(packet.toPacket()), n, wait));
            if (result == 0 && packets.isEmpty()) {
                checkNothing("poll(handler, " + n + ", " + wait + ") returned 0");
                return;
            }
            if (result != Client.END_OF_STREAM && result != packets.size()) {
                throw fail("poll returned " + result + " but handed out " + packets.size() + " packets", null);
            }
            check(n, result == Client.END_OF_STREAM && packets.isEmpty() ? null : packets, "poll(" + n + ")");
        } catch (PeerGoneException e) {
            checkPeerGone("poll(" + n + ") threw " + e);
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw fail("poll(" + n + ") threw " + e, e);
        }
    }

    /** Checks packets that arrived ({@code null}: the end arrived) against the model. */
    private void check(int n, List<Packet> packets, String call) {
        if (packets == null) {
            if (!inFlight.isEmpty() && !connectionClosed) {
                throw fail(
                        call + " reported the end of the stream, but " + inFlight.size()
                                + " packets sent before were not received yet",
                        null);
            }
            if (!endSent && !connectionClosed) {
                throw fail(call + " reported the end of the stream, but the end was never sent", null);
            }
            if (!endSent) {
                terminated = true; // a close without the end may be reported as the end
            }
            endSeen = true;
            inFlight.clear();
            return;
        }
        if (packets.isEmpty() || packets.size() > n) {
            throw fail(call + " returned " + packets.size() + " packets; it must return 1 to " + n, null);
        }
        List<Packet> expected = new ArrayList<>(inFlight).subList(0, Math.min(inFlight.size(), packets.size()));
        Optional<String> difference = StreamCheck.difference(expected, packets);
        if (difference.isPresent()) {
            throw fail(call + " returned packets that differ from the next ones sent: " + difference.get(), null);
        }
        packets.forEach(p -> inFlight.removeFirst());
    }

    private void checkNothing(String what) {
        if (!inFlight.isEmpty() || endSent || connectionClosed) {
            throw fail(
                    what + ", but " + inFlight.size() + " packets" + (endSent ? " and the end" : "")
                            + (connectionClosed ? " (connection closed)" : "") + " were there to receive",
                    null);
        }
    }

    private void checkPeerGone(String what) {
        if (!connectionClosed || endSent) {
            throw fail(what + ", but the connection " + (endSent ? "sent the end" : "is still open"), null);
        }
        terminated = true;
        inFlight.clear();
    }

    private AssertionError fail(String message, Throwable cause) {
        AssertionError error = new AssertionError(rule + message + " (model: " + inFlight.size()
                + " packets in flight, end sent " + endSent + ", connection closed " + connectionClosed
                + ", client closed " + clientClosed + "; calls so far: " + history + ")");
        if (cause != null) {
            error.initCause(cause);
        }
        return error;
    }

    @Override
    public String toString() {
        return "StatefulModel[inFlight=" + inFlight.size() + ", endSent=" + endSent + ", connectionClosed="
                + connectionClosed + ", clientClosed=" + clientClosed + "]";
    }
}
