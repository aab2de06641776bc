package dev.packetipc.conformance.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Optional rules are reported as skipped, with a reason naming the transport and the capability, not as passed. */
class CapabilitySkipTest {
    @Test
    void optionalRulesAreSkippedWithAReasonWhenTheCapabilityIsMissing() {
        ContractRun run = ContractRun.of(BareTransportContract.class);
        ContractRun.Outcome outcome = run.rule("R203");
        assertEquals(ContractRun.Status.SKIPPED, outcome.status(), run::toString);
        assertEquals("transport 'bare' does not declare MULTIPLE_CLIENTS (it declares [])", outcome.message());
        BrokenTransportsTest.assertPass(run, List.of("R101", "R102", "R103", "R104", "R105", "R106", "R110"));
    }

    @Test
    void theInProcessTransportRunsMultipleClientsAndSkipsCrossProcess() {
        ContractRun run = ContractRun.of(InProcessConformanceTest.class);
        assertEquals(ContractRun.Status.PASSED, run.rule("R203").status(), run::toString);
        assertEquals(ContractRun.Status.PASSED, run.rule("R206").status(), run::toString);
        for (String crossProcess : List.of("R201", "R202")) {
            ContractRun.Outcome outcome = run.rule(crossProcess);
            assertEquals(ContractRun.Status.SKIPPED, outcome.status(), run::toString);
            assertEquals(
                    "transport 'inprocess' does not declare CROSS_PROCESS (it declares [MULTIPLE_CLIENTS,"
                            + " PACKET_SIZE_LIMIT, STREAM_PROPERTIES])",
                    outcome.message());
        }
        for (ContractRun.Outcome outcome : run.outcomes().values()) {
            if (outcome.ruleId().startsWith("R1")) {
                assertEquals(ContractRun.Status.PASSED, outcome.status(), run::toString);
            }
        }
    }
}
