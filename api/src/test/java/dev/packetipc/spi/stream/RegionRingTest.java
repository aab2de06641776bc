package dev.packetipc.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.ProtocolException;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The shared-memory ring: the sender's book and the receiver's recovery of positions from offsets agree. */
class RegionRingTest {
    @Test
    void theReceiverRecoversEveryPositionAndTheSenderNeverOverrunsWhatIsHeld() throws ProtocolException {
        for (long seed = 0; seed < 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            long size = 4096 + random.nextInt(1 << 16);
            RegionRing ring = new RegionRing(size);
            ArrayDeque<long[]> held = new ArrayDeque<>(); // {offset, length, position} handed out, not released
            long receiverEnd = 0;
            long released = 0;
            for (int step = 0; step < 2000; step++) {
                if (random.nextInt(3) > 0) {
                    int length = random.nextInt(1, (int) size + 1);
                    long offset = ring.allocate(length);
                    if (offset < 0) {
                        continue;
                    }
                    assertTrue(offset + length <= size, "a payload never crosses the end of the region");
                    long position = RegionRing.positionOf(offset, receiverEnd, size);
                    for (long[] other : held) { // never overlaps anything the receiver still holds
                        assertTrue(position >= other[2] + other[1], "seed " + seed + ": overlap with held space");
                    }
                    assertTrue(position + length - released <= size, "seed " + seed + ": ran a lap ahead");
                    receiverEnd = position + length;
                    held.add(new long[] {offset, length, position});
                } else if (!held.isEmpty()) {
                    int release = random.nextInt(1, held.size() + 1);
                    long[] last = null;
                    for (int i = 0; i < release; i++) {
                        last = held.poll();
                    }
                    released = last[2] + last[1];
                    ring.release(released);
                }
            }
        }
    }

    @Test
    void aFullRingRefusesUntilReleased() throws ProtocolException {
        RegionRing ring = new RegionRing(1000);
        assertEquals(0, ring.allocate(600));
        assertEquals(-1, ring.allocate(600), "only 400 bytes are free, and they are not contiguous enough");
        ring.release(600);
        assertEquals(0, ring.allocate(600), "wrapped to the start once the first payload was released");
    }

    @Test
    void releasesThatGoBackwardsOrBeyondWhatWasHandedOutAreProtocolErrors() throws ProtocolException {
        RegionRing ring = new RegionRing(1000);
        ring.allocate(100);
        assertThrows(ProtocolException.class, () -> ring.release(500));
        ring.release(100);
        assertThrows(ProtocolException.class, () -> ring.release(50));
    }
}
