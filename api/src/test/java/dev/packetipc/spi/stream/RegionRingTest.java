package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.ProtocolException;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The shared-memory ring of {@code docs/wire-format.md} §4, sender and receiver side by side: the receiver recovers
 * every position the sender chose from the offset alone, the sender never places a payload over bytes the receiver
 * holds, and the ring always makes progress: once the receiver released everything, any payload up to the ring size
 * fits, whatever came before. Region sizes include ones that are not multiples of 64.
 */
class RegionRingTest {
    private static final long MIB = 1 << 20;

    /** Issue 12, item 1: with the default 32 MiB region, a 10 MiB payload and then a 25 MiB one stalled forever. */
    @Test
    void aPayloadLargerThanTheFreeTailFitsOnceEverythingIsReleased() throws ProtocolException {
        RegionRing ring = new RegionRing(32 * MIB);
        assertEquals(0, ring.allocate((int) (10 * MIB)));
        ring.release(10 * MIB);
        assertEquals(0, ring.allocate((int) (25 * MIB)), "the skipped tail is free: the receiver holds nothing");
        assertEquals(32 * MIB, ring.lastPosition(), "the payload starts the second lap");
        assertEquals(32 * MIB, RegionRing.positionOf(0, 10 * MIB, 32 * MIB), "and the receiver agrees");
    }

    @Test
    void aPayloadOfTheWholeRingFitsAfterAnyHistoryOnceReleased() throws ProtocolException {
        for (long regionSize : new long[] {4096, 4097, 4159, 5000, 65_536 + 63, 1_000_000}) {
            long size = RegionRing.ringSize(regionSize);
            for (int first = 1; first <= size; first += 37) {
                RegionRing ring = new RegionRing(regionSize);
                ring.allocate(first);
                ring.release(ring.lastPosition() + first);
                long offset = ring.allocate((int) size);
                assertEquals(0, offset, "region " + regionSize + " after a payload of " + first);
                ring.release(ring.lastPosition() + size);
            }
        }
    }

    @Test
    void theRingIsTheRegionRoundedDownToAMultipleOf64() {
        assertEquals(4096, RegionRing.ringSize(4096));
        assertEquals(4096, RegionRing.ringSize(4159));
        assertEquals(4160, RegionRing.ringSize(4160));
        RegionRing ring = new RegionRing(4159);
        assertEquals(4096, ring.size());
        assertEquals(-1, ring.allocate(4097), "no payload is larger than the ring");
        assertThrows(IllegalArgumentException.class, () -> new RegionRing(63));
    }

    /**
     * Property over many region sizes (most not multiples of 64) and random payload sizes up to the whole ring, with
     * a receiver that holds payloads and releases them in order at random moments, as a client does.
     */
    @Test
    void senderAndReceiverAgreeOnEveryPositionAndTheRingAlwaysMakesProgress() throws ProtocolException {
        for (long seed = 0; seed < 400; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            long regionSize = 64 + random.nextInt(1 << 16);
            RegionRing ring = new RegionRing(regionSize);
            long size = ring.size();
            assertEquals(0, size % RegionRing.ALIGNMENT);
            ArrayDeque<long[]> held = new ArrayDeque<>(); // {offset, length, position}: handed out, not released
            long receiverEnd = 0;
            long released = 0;
            int placed = 0;
            for (int step = 0; step < 3000; step++) {
                if (random.nextInt(3) > 0) {
                    int length = random.nextInt(4) == 0
                            ? (int) size - random.nextInt((int) Math.min(size, 128))
                            : random.nextInt(1, (int) size + 1);
                    long offset = ring.allocate(length);
                    String where = "seed " + seed + " region " + regionSize + " step " + step + " length " + length;
                    if (offset < 0) {
                        assertTrue(!held.isEmpty(), where + ": refused although the receiver holds nothing");
                        continue;
                    }
                    placed++;
                    assertEquals(0, offset % RegionRing.ALIGNMENT, where + ": not on a cache line");
                    assertTrue(offset + length <= size, where + ": crosses the end of the ring");
                    long position = RegionRing.positionOf(offset, receiverEnd, size);
                    assertEquals(ring.lastPosition(), position, where + ": the receiver recovered another position");
                    for (long[] other : held) { // never over bytes the receiver still holds
                        boolean apart = offset + length <= other[0] || other[0] + other[1] <= offset;
                        assertTrue(apart, where + ": overlaps a held payload at offset " + other[0]);
                    }
                    receiverEnd = position + length;
                    held.add(new long[] {offset, length, position});
                } else if (!held.isEmpty()) {
                    int release = random.nextInt(1, held.size() + 1);
                    long[] last = null;
                    for (int i = 0; i < release; i++) {
                        last = held.poll();
                    }
                    released = last[2] + last[1];
                    ring.release(released); // the receiver's RELEASE is always accepted
                }
            }
            assertTrue(placed > 100, "seed " + seed + ": the ring placed only " + placed + " payloads");
            assertTrue(released <= receiverEnd);
        }
    }

    @Test
    void aFullRingRefusesUntilReleased() throws ProtocolException {
        RegionRing ring = new RegionRing(1024);
        assertEquals(0, ring.allocate(600));
        assertEquals(-1, ring.allocate(600), "only 424 bytes are free and the receiver holds the rest");
        ring.release(600);
        assertEquals(0, ring.allocate(600), "wrapped to the start once the first payload was released");
    }

    @Test
    void releasesThatGoBackwardsOrBeyondWhatWasHandedOutAreProtocolErrors() throws ProtocolException {
        RegionRing ring = new RegionRing(1024);
        ring.allocate(100);
        assertThrows(ProtocolException.class, () -> ring.release(101), "beyond the end of the last payload");
        ring.release(100);
        assertThrows(ProtocolException.class, () -> ring.release(50));
    }
}
