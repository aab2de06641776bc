package dev.packetipc.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Shrinking recreates every generated packet once per candidate and jqwik keeps the candidates it tried; the suite
 * stays within a small heap only because equal payloads share one array (a CI run once ran out of 3 GiB without it).
 */
class PayloadsTest {
    @Test
    void theSameLengthAndSeedGiveTheSameArrayWhileItIsHeld() {
        byte[] first = Payloads.of(1 << 20, 42);
        assertSame(first, Payloads.of(1 << 20, 42));
        assertArrayEquals(Generators.payload(1 << 20, 42), first);
    }

    @Test
    void anotherSeedOrLengthGivesOtherBytes() {
        byte[] base = Payloads.of(4096, 7);
        assertFalse(Arrays.equals(base, Payloads.of(4096, 8)));
        assertArrayEquals(Arrays.copyOf(Generators.payload(4097, 7), 4096), base, "a prefix of the longer one");
    }
}
