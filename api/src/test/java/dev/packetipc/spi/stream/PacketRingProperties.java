package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.ProtocolException;
import dev.packetipc.wire.FrameDescriptor;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.RingDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * The packet ring against a model, as a jqwik stateful property: any sequence of the producer's and the consumer's
 * steps (write, publish, read, give room back, go to sleep, wake up) keeps every record whole and in order, lets a
 * record be claimed exactly when the model says there is room, and never loses a wake-up: a consumer asleep while
 * records are published, or a producer asleep while room was given back, has had its doorbell rung. The real race,
 * the two sides on two threads, is {@link PacketRingRaceTest}.
 */
class PacketRingProperties {
    private static final int CAPACITY = RingDescriptor.MIN_CAPACITY;
    private static final int SMALLEST = FrameDescriptor.HEADER_LENGTH + 8;

    @Property(tries = 200)
    void everyStepSequenceKeepsRecordsWholeInOrderAndWakesEverySleeper(@ForAll("chains") ActionChain<Model> chain) {
        chain.withInvariant("no lost wake-up", Model::checkNoLostWakeUp).run();
    }

    @Provide
    Arbitrary<ActionChain<Model>> chains() {
        int largest = RingDescriptor.maxRecordLength(CAPACITY);
        Arbitrary<Integer> lengths = Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(SMALLEST / 8, 64)),
                        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(SMALLEST / 8, largest / 8)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.just(largest / 8)))
                .map(eighths -> eighths * 8);
        return ActionChain.startWith(Model::new)
                .withAction(
                        6, independent(lengths.map(n -> mutate("write " + n, m -> m.write(n))), m -> !m.producerAsleep))
                .withAction(3, just("publish", Model::publish, m -> !m.producerAsleep))
                .withAction(5, just("read", Model::read, m -> !m.consumerAsleep))
                .withAction(3, just("give room back", Model::publishConsumer, m -> !m.consumerAsleep))
                .withAction(2, just("consumer sleeps", Model::consumerSleeps, m -> !m.consumerAsleep))
                .withAction(2, just("consumer wakes", Model::consumerWakes, m -> m.consumerAsleep))
                .withAction(
                        2,
                        independent(
                                lengths.map(n -> mutate("producer waits for " + n, m -> m.producerWaits(n))),
                                m -> !m.producerAsleep))
                .withAction(2, just("producer wakes", Model::producerWakes, m -> m.producerAsleep))
                .withMaxTransformations(300);
    }

    private static Transformer<Model> mutate(String label, Step step) {
        return Transformer.mutate(label, m -> {
            try {
                step.apply(m);
            } catch (ProtocolException e) {
                throw new AssertionError(label + ": the ring called its own peer corrupt", e);
            }
        });
    }

    private static Action.Independent<Model> just(
            String label, Step step, java.util.function.Predicate<Model> precondition) {
        return independent(Arbitraries.just(mutate(label, step)), precondition);
    }

    private static Action.Independent<Model> independent(
            Arbitrary<Transformer<Model>> transformers, java.util.function.Predicate<Model> precondition) {
        return new Action.Independent<>() {
            @Override
            public boolean precondition(Model state) {
                return precondition.test(state);
            }

            @Override
            public Arbitrary<Transformer<Model>> transformer() {
                return transformers;
            }
        };
    }

    /** One step on the model. */
    @FunctionalInterface
    private interface Step {
        void apply(Model model) throws ProtocolException;
    }

    /** The two halves over one buffer, and what the model says each must see. */
    static final class Model {
        private final ByteBuffer region = ByteBuffer.allocateDirect(RingDescriptor.HEADER_LENGTH + CAPACITY)
                .order(ByteOrder.LITTLE_ENDIAN);
        private final PacketRing producer = PacketRing.create(region, CAPACITY, null);
        private final PacketRing consumer;
        /** Committed records not yet read, oldest first: their sequence number and end position. */
        private final Deque<long[]> unread = new ArrayDeque<>();

        private long tail;
        private long published;
        private int publishedRecords;
        /** The consumer's position: after the last record read, or past everything published once it found none. */
        private long head;

        private long headPublished;
        private int written;
        private int read;
        boolean consumerAsleep;
        private boolean consumerRung;
        boolean producerAsleep;
        private boolean producerRung;
        private int producerWaitsFor;

        Model() {
            try {
                consumer = PacketRing.open(region, region.capacity());
            } catch (ProtocolException e) {
                throw new AssertionError(e);
            }
        }

        /** What a record of {@code length} bytes takes from the tail on, with the padding it may need first. */
        private long needed(int length) {
            int toEnd = CAPACITY - (int) (tail % CAPACITY);
            return length <= toEnd ? length : (long) toEnd + length;
        }

        /** Room as the producer may see it: bounded by what the consumer published, not by what it read. */
        private boolean room(int length) {
            return tail + needed(length) - headPublished <= CAPACITY;
        }

        void write(int length) throws ProtocolException {
            boolean room = room(length);
            long needed = needed(length);
            int index = producer.claim(length);
            assertEquals(room, index >= 0, "claim(" + length + ") at tail=" + tail + ", consumer at " + headPublished);
            if (index < 0) {
                return;
            }
            FrameEncoder.encodeRecordHeader(producer.data(), index, length, FrameDescriptor.TYPE_BATCH);
            producer.data().putInt(index + FrameDescriptor.HEADER_LENGTH, written);
            producer.data().putInt(index + length - 4, ~written);
            producer.commit(length);
            tail += needed;
            assertEquals(tail, producer.producerPosition());
            unread.addLast(new long[] {written++, tail});
        }

        void publish() {
            boolean rings = consumerAsleep && !consumerRung && tail != published;
            assertEquals(rings, producer.publish(), "publish: ring the sleeping consumer's doorbell exactly once");
            consumerRung |= rings;
            published = tail;
            publishedRecords = written;
        }

        void read() throws ProtocolException {
            int index = consumer.next();
            if (read == publishedRecords) {
                assertEquals(-1, index, "a record before it was published");
                head = published;
                return;
            }
            assertTrue(index >= 0, (publishedRecords - read) + " published records, none read");
            int length = consumer.recordLength();
            long[] expected = unread.removeFirst();
            int sequence = (int) expected[0];
            assertEquals(sequence, consumer.data().getInt(index + FrameDescriptor.HEADER_LENGTH), "out of order");
            assertEquals(~sequence, consumer.data().getInt(index + length - 4), "record not whole");
            consumer.consumed();
            read++;
            head = expected[1];
        }

        void publishConsumer() {
            boolean rings = producerAsleep && !producerRung && head != headPublished;
            assertEquals(rings, consumer.publishConsumer(), "give room back: ring the waiting producer exactly once");
            producerRung |= rings;
            headPublished = head;
        }

        void consumerSleeps() throws ProtocolException {
            boolean sleeps = consumer.prepareToSleep();
            assertEquals(head == published, sleeps, "the consumer may sleep exactly when it has seen all published");
            if (sleeps) {
                consumerAsleep = true;
                consumerRung = false;
            }
        }

        void consumerWakes() {
            consumer.consumerAwake();
            consumerAsleep = false;
            consumerRung = false;
        }

        void producerWaits(int length) throws ProtocolException {
            boolean room = room(length);
            boolean waits = producer.prepareToWaitForRoom(length);
            assertEquals(!room, waits, "the producer may wait exactly when there is no room for " + length);
            if (waits) {
                producerAsleep = true;
                producerRung = false;
                producerWaitsFor = length;
            }
        }

        void producerWakes() {
            producer.producerAwake();
            producerAsleep = false;
            producerRung = false;
        }

        /** A sleeper with something to wake for has been rung. */
        void checkNoLostWakeUp() {
            if (consumerAsleep && read != publishedRecords) {
                assertTrue(consumerRung, "the consumer sleeps with published records and nobody rang");
            }
            if (producerAsleep && room(producerWaitsFor)) {
                assertTrue(producerRung, "the producer waits for room it has and nobody rang");
            }
        }
    }
}
