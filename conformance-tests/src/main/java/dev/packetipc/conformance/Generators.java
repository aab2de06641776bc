package dev.packetipc.conformance;

import dev.packetipc.Packet;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ArbitrarySupplier;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The generators of the suite. Package-private so that no jqwik type shows in the contract's API: the rules name
 * these suppliers in {@code @ForAll(supplier = ...)}.
 */
final class Generators {
    /** The largest payload the suite sends: a little over 1 MiB. */
    static final int LARGEST_PAYLOAD = (1 << 20) + 17;

    private Generators() {}

    /** Timestamps: any long, with the extremes and the values around zero often. */
    static Arbitrary<Long> timestamps() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L, 1L)),
                Tuple.of(3, Arbitraries.longs())));
    }

    /** Payload lengths: mostly small, sometimes a few KiB, rarely about 1 MiB. */
    static Arbitrary<Integer> payloadLengths() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(12, Arbitraries.integers().between(0, 64)),
                Tuple.of(4, Arbitraries.integers().between(65, 9000)),
                Tuple.of(1, Arbitraries.integers().between(1 << 20, LARGEST_PAYLOAD))));
    }

    /** Small payload lengths, for rules that send many packets. */
    static Arbitrary<Integer> smallPayloadLengths() {
        return Arbitraries.integers().between(0, 300);
    }

    /**
     * Packets whose payloads are filled from a seed. The seed is not shrunk (a smaller seed makes no simpler
     * failure), and equal lengths and seeds share one array: jqwik recreates every element of a stream for each
     * shrinking candidate and keeps each candidate it tried, so without sharing a stream of a few 1 MiB packets would
     * cost its full size again per candidate, gigabytes over one shrinking run.
     */
    static Arbitrary<Packet> packets(Arbitrary<Integer> lengths) {
        return Combinators.combine(timestamps(), lengths, Arbitraries.randomValue(random -> random.nextLong()))
                .as((timestamp, length, seed) -> Packet.of(timestamp, Payloads.of(length, seed)));
    }

    /** Deterministic pseudo-random bytes, a new array. */
    static byte[] payload(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    /** A stream: 0 to 8 batches of 0 to 12 packets each, sizes from 0 B to about 1 MiB. */
    static Arbitrary<List<List<Packet>>> batches() {
        return packets(payloadLengths()).list().ofMaxSize(12).list().ofMaxSize(8);
    }

    /** A stream of small packets for rules that run many connections or processes. */
    static Arbitrary<List<List<Packet>>> smallBatches() {
        return packets(smallPayloadLengths()).list().ofMaxSize(20).list().ofMaxSize(6);
    }

    /** How many packets the client asks for per receive: 1, small numbers, and huge ones. */
    static Arbitrary<Integer> receiveSizes() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.of(1, 2, 1024, Integer.MAX_VALUE)),
                Tuple.of(3, Arbitraries.integers().between(1, 40))));
    }

    /** Supplies {@link #batches()}. */
    static final class Batches implements ArbitrarySupplier<List<List<Packet>>> {
        @Override
        public Arbitrary<List<List<Packet>>> get() {
            return batches();
        }
    }

    /** Supplies {@link #smallBatches()}. */
    static final class SmallBatches implements ArbitrarySupplier<List<List<Packet>>> {
        @Override
        public Arbitrary<List<List<Packet>>> get() {
            return smallBatches();
        }
    }

    /** Supplies {@link #receiveSizes()}. */
    static final class ReceiveSizes implements ArbitrarySupplier<Integer> {
        @Override
        public Arbitrary<Integer> get() {
            return receiveSizes();
        }
    }

    /** Supplies 2 to 4 clients' streams of small packets. */
    static final class SeveralStreams implements ArbitrarySupplier<List<List<List<Packet>>>> {
        @Override
        public Arbitrary<List<List<List<Packet>>>> get() {
            return smallBatches().list().ofMinSize(2).ofMaxSize(4);
        }
    }
}
