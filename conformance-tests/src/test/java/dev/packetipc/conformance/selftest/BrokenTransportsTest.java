package dev.packetipc.conformance.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract must catch deliberately broken transports: each fault fails the rules that should catch it, by rule
 * id, with a message that says what was wrong, while the rules the fault does not touch still pass.
 */
class BrokenTransportsTest {
    /** Rules about connecting, accepting, closing and timeouts, which no stream fault touches. */
    private static final List<String> UNTOUCHED = List.of("R106", "R107", "R108", "R109", "R110");

    @Test
    void droppingAPacketFailsTheStreamRulesWithPacketMissing() {
        ContractRun run = ContractRun.of(DroppingTransportContract.class);
        assertFails(run, "R101", "[R101] transport 'dropping': packet");
        assertFails(run, "R101", "missing");
        assertFails(run, "R102", "missing");
        assertFails(run, "R103", "missing");
        assertFails(run, "R203", "missing");
        assertFails(run, "R111", "[R111] transport 'dropping': ");
        assertFails(run, "R112", "the connection counts packetsSent=");
        assertPass(run, UNTOUCHED);
    }

    @Test
    void reorderingPacketsFailsTheStreamRulesWithOutOfOrder() {
        ContractRun run = ContractRun.of(ReorderingTransportContract.class);
        assertFails(run, "R101", "[R101] transport 'reordering': packets out of order: packet #");
        assertFails(run, "R102", "out of order");
        assertFails(run, "R111", "returned packets that differ from the next ones sent");
        assertPass(run, UNTOUCHED);
    }

    @Test
    void corruptingAByteFailsTheStreamRulesWithCorruptedPayload() {
        ContractRun run = ContractRun.of(CorruptingTransportContract.class);
        assertFails(run, "R101", "[R101] transport 'corrupting': corrupted payload: packet #");
        assertFails(run, "R101", "differs first at byte");
        assertFails(run, "R102", "corrupted payload");
        assertFails(run, "R109", "corrupted payload");
        assertFails(run, "R111", "returned packets that differ from the next ones sent");
        assertPass(run, List.of("R106", "R107", "R108", "R110"));
    }

    @Test
    void neverSendingTheEndFailsTheEndOfStreamRules() {
        ContractRun run = ContractRun.of(NeverEndingTransportContract.class);
        assertFails(run, "R101", "[R101] transport 'never-ending': the stream did not end");
        assertFails(run, "R101", "no end of stream");
        assertFails(run, "R102", "no end of stream");
        assertFails(run, "R103", "no end of stream");
        assertFails(run, "R104", "no end of stream");
        assertFails(run, "R111", "[R111] transport 'never-ending': ");
        assertFails(run, "R112", "[R112] transport 'never-ending': the stream did not end");
        assertFails(run, "R112", "no end of stream");
        assertPass(run, List.of("R105"));
        assertPass(run, UNTOUCHED);
    }

    @Test
    void aRuleThatWaitedOutItsTimeoutIsNotShrunk() {
        HangCountingTransportContract.CONNECTIONS.set(0);
        // jqwik's default shrinking, and time enough that only the suite can stop it early.
        ContractRun run = ContractRun.ofRule(
                HangCountingTransportContract.class,
                "required_R101_",
                Map.of("jqwik.shrinking.default", "BOUNDED", "jqwik.shrinking.bounded.seconds", "600"));
        assertFails(run, "R101", "[R101] transport 'hang-counting': the stream did not end");
        assertEquals(
                1,
                HangCountingTransportContract.CONNECTIONS.get(),
                "the first try hung; a shrinking step would have opened another connection");
    }

    @Test
    void closesThatWakeNobodyFailTheCloseRulesInsteadOfHanging() {
        ContractRun run = ContractRun.of(DeafTransportContract.class);
        assertFails(run, "R106", "[R106] transport 'deaf': ");
        assertFails(run, "R107", "accept() during Server.close() did not return within PT0.5S; it hangs");
        assertFails(run, "R108", "receivePackets(16) during Client.close() did not return within PT0.5S; it hangs");
        assertPass(run, List.of("R101", "R102", "R103", "R104", "R105", "R109", "R110", "R112"));
    }

    @Test
    void replayingPacketsAfterAThrowingHandlerFailsTheThrowingHandlerRule() {
        ContractRun run = ContractRun.of(ReplayingTransportContract.class);
        assertFails(run, "R113", "[R113] transport 'replaying': ");
        assertFails(run, "R113", "the handler threw at packets");
        assertPass(run, List.of("R101", "R102", "R103", "R104", "R105", "R112"));
        assertPass(run, UNTOUCHED);
    }

    @Test
    void refusingAPacketBelowTheStatedLimitFailsTheLimitRule() {
        ContractRun run = ContractRun.ofRule(OffByAHeaderTransportContract.class, "required_R114_", Map.of());
        assertFails(run, "R114", "[R114] transport 'off-by-a-header': send refused a batch whose largest packet");
        assertFails(run, "R114", "has exactly the stated maxPacketBytes()=16777216 bytes");
    }

    @Test
    void notKeepingToTheStatedPacketLimitFailsTheLimitRule() {
        ContractRun run = ContractRun.ofRule(NotKeepingLimitTransportContract.class, "required_R114_", Map.of());
        assertFails(run, "R114", "[R114] transport 'limitless': send accepted a batch with a packet");
        assertFails(run, "R114", "of 1048577 bytes although the connection states maxPacketBytes()=1048576");
    }

    @Test
    void losingAStreamPropertyFailsThePropertiesRule() {
        ContractRun run = ContractRun.ofRule(PropertyDroppingTransportContract.class, "optional_R206_", Map.of());
        assertFails(run, "R206", "[R206] transport 'property-dropping': the server attached ");
        assertFails(run, "R206", " entries {linktype=276, empty=, ");
        assertFails(run, "R206", "but the client's properties() are ");
    }

    private static void assertFails(ContractRun run, String ruleId, String expectedText) {
        ContractRun.Outcome outcome = run.rule(ruleId);
        assertEquals(ContractRun.Status.FAILED, outcome.status(), () -> ruleId + " should fail; the run:\n" + run);
        assertTrue(
                outcome.message().contains(expectedText),
                () -> ruleId + " failed, but its message does not contain '" + expectedText + "':\n"
                        + outcome.message());
    }

    static void assertPass(ContractRun run, List<String> ruleIds) {
        for (String id : ruleIds) {
            assertEquals(ContractRun.Status.PASSED, run.rule(id).status(), () -> id + " should pass; the run:\n" + run);
        }
    }
}
