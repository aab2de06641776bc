package dev.packetipc.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Mutations of valid frame streams (HELLO, WELCOME, REGION, BATCH with inline and shared entries, RELEASE, END,
 * CLOSE, REJECT) through the wire codec: every input ends in decoded frames or a {@code ProtocolException} that
 * says what happened, never another exception, never a stall, never a packet view outside its buffer, and never
 * more allocation than the configured maximum frame size. jqwik's default of 1000 tries per property in the normal
 * run; {@code -Djqwik.tries.default=200000} for a long run. Inputs that once broke a rule are kept in
 * {@code src/test/resources/dev/packetipc/fuzz/wire/regressions.hex} and replayed every run.
 */
class WireCodecFuzzTest {
    @Property
    void mutatedStreamsEndInFramesOrAProtocolException(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 40) int packets,
            @ForAll @IntRange(min = 0, max = 300) int payload,
            @ForAll @IntRange(min = 1, max = 8) int mutations,
            @ForAll @IntRange(min = 1, max = 50) int limit) {
        Random random = new Random(seed);
        byte[] bytes = WireFuzzing.validStream(packets, payload, seed);
        for (int i = 0; i < mutations; i++) {
            bytes = WireFuzzing.mutate(bytes, random);
        }
        WireFuzzing.Outcome outcome = WireFuzzing.decode(bytes, limit);
        assertTrue(
                outcome.allocatedBytes <= WireFuzzing.MAX_FRAME_BYTES,
                "decoding " + bytes.length + " bytes allocated " + outcome.allocatedBytes + " bytes: "
                        + HexFormat.of().formatHex(bytes));
    }

    @Property(tries = 200)
    void unmutatedStreamsDecodeWhole(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 40) int packets,
            @ForAll @IntRange(min = 0, max = 300) int payload,
            @ForAll @IntRange(min = 1, max = 50) int limit) {
        WireFuzzing.Outcome outcome = WireFuzzing.decode(WireFuzzing.validStream(packets, payload, seed), limit);
        assertNull(outcome.refused, "a valid stream was refused");
        assertEquals(packets, outcome.packets);
        assertTrue(!outcome.incomplete);
    }

    @Test
    void regressionInputsStillEndInFramesOrAProtocolException() throws IOException {
        List<String> failures = new ArrayList<>();
        int n = 0;
        try (InputStream in = WireCodecFuzzTest.class.getResourceAsStream("wire/regressions.hex")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                n++;
                try {
                    WireFuzzing.decode(HexFormat.of().parseHex(line.trim()), 3);
                } catch (AssertionError e) {
                    failures.add(line + ": " + e.getMessage());
                }
            }
        }
        assertTrue(n > 0, "no regression inputs found");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
