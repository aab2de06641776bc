package dev.packetipc.conformance.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.conformance.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * The liveness rules (R207 to R210) catch a transport that claims {@link dev.packetipc.TransportCapability#LIVENESS}
 * but never reports a frozen peer, and still pass it where the operating system does the work (a killed peer).
 */
class LivenessRulesTest {
    @Test
    void aTransportWithoutHeartbeatsFailsTheFrozenPeerRulesAndPassesTheKilledPeerRules() {
        ContractRun run = ContractRun.ofRules(
                HeartbeatlessTransportContract.class,
                "optional_R207_",
                "optional_R208_",
                "optional_R209_",
                "optional_R210_");
        if (!ChildJvm.canFreeze()) { // no SIGSTOP (Windows): the frozen-peer rules must say they were skipped
            assertEquals(ContractRun.Status.SKIPPED, run.rule("R207").status(), run::toString);
            assertEquals(ContractRun.Status.SKIPPED, run.rule("R208").status(), run::toString);
            assertEquals(ContractRun.Status.PASSED, run.rule("R209").status(), run::toString);
            assertEquals(ContractRun.Status.PASSED, run.rule("R210").status(), run::toString);
            return;
        }
        ContractRun.Outcome r207 = run.rule("R207");
        assertEquals(ContractRun.Status.FAILED, r207.status(), run::toString);
        assertTrue(
                r207.message()
                        .contains("[R207] transport 'testuds': the server's process was frozen (SIGSTOP);"
                                + " the client's receivePackets, blocked on it, threw"),
                r207::message);
        ContractRun.Outcome r208 = run.rule("R208");
        assertEquals(ContractRun.Status.FAILED, r208.status(), run::toString);
        assertTrue(
                r208.message().contains("[R208] transport 'testuds': the client's process was frozen (SIGSTOP)"),
                r208::message);
        assertEquals(ContractRun.Status.PASSED, run.rule("R209").status(), run::toString);
        assertEquals(ContractRun.Status.PASSED, run.rule("R210").status(), run::toString);
    }
}
