package dev.packetipc.conformance.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The cross-process rules really start a child JVM, and report its output when the other side fails. The in-process
 * transport cannot reach another JVM, so a transport that claims {@code CROSS_PROCESS} on top of it must fail R201
 * (the child's connect finds no server) and R202 (this JVM's connect finds no server).
 */
class CrossProcessRulesTest {
    @Test
    void theChildJvmRulesFailWithTheChildsOutputForATransportThatCannotCrossProcesses() {
        ContractRun run = ContractRun.of(LyingTransportContract.class);
        ContractRun.Outcome r201 = run.rule("R201");
        assertEquals(ContractRun.Status.FAILED, r201.status(), run::toString);
        assertTrue(
                r201.message()
                        .contains("[R201] transport 'liar': the child JVM's client never connected; the child exited"),
                r201::message);
        assertTrue(r201.message().contains("NoSuchServerException"), r201::message);
        assertTrue(r201.message().contains("--- child JVM output:"), r201::message);
        assertTrue(
                r201.message().contains("CHILD transport 'liar' from " + LyingTransportContract.class.getName()),
                r201::message);
        ContractRun.Outcome r202 = run.rule("R202");
        assertEquals(ContractRun.Status.FAILED, r202.status(), run::toString);
        assertTrue(
                r202.message().contains("[R202] transport 'liar': connecting to the child JVM's server inprocess:"),
                r202::message);
        assertTrue(r202.message().contains("NoSuchServerException"), r202::message);
        assertEquals(ContractRun.Status.SKIPPED, run.rule("R203").status(), run::toString);
    }
}
