package dev.packetipc.conformance.selftest;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

/** One run of a contract class on the jqwik engine through the JUnit testkit, with each rule's outcome by id. */
final class ContractRun {
    private static final Pattern RULE_ID = Pattern.compile("_(R\\d{3})_");

    /** How one rule ended. */
    record Outcome(String ruleId, String method, Status status, String message) {}

    /** The three ways a rule ends. */
    enum Status {
        PASSED,
        FAILED,
        SKIPPED
    }

    private final Map<String, Outcome> outcomes = new LinkedHashMap<>();

    private ContractRun() {}

    /** Runs every rule of the contract class. */
    static ContractRun of(Class<?> contractClass) {
        return of(contractClass, Map.of());
    }

    /** Runs every rule of the contract class with extra jqwik configuration parameters. */
    static ContractRun of(Class<?> contractClass, Map<String, String> configuration) {
        return run(DiscoverySelectors.selectClass(contractClass), configuration);
    }

    /** Runs the one rule of the contract class whose method name starts with this, with extra configuration. */
    static ContractRun ofRule(Class<?> contractClass, String methodPrefix, Map<String, String> configuration) {
        Method method = Arrays.stream(contractClass.getMethods())
                .filter(m -> m.getName().startsWith(methodPrefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no rule method starts with " + methodPrefix));
        return run(DiscoverySelectors.selectMethod(contractClass, method), configuration);
    }

    /** Runs the rules of the contract class whose method names start with one of these. */
    static ContractRun ofRules(Class<?> contractClass, String... methodPrefixes) {
        DiscoverySelector[] selectors = Arrays.stream(contractClass.getMethods())
                .filter(m -> Arrays.stream(methodPrefixes).anyMatch(m.getName()::startsWith))
                .map(m -> DiscoverySelectors.selectMethod(contractClass, m))
                .toArray(DiscoverySelector[]::new);
        return run(Map.of(), selectors);
    }

    /** Runs what the selector selects; the extra configuration wins over the defaults below. */
    private static ContractRun run(DiscoverySelector selector, Map<String, String> configuration) {
        return run(configuration, selector);
    }

    private static ContractRun run(Map<String, String> configuration, DiscoverySelector... selectors) {
        ContractRun run = new ContractRun();
        EngineTestKit.engine("jqwik")
                .selectors(selectors)
                .configurationParameter("jqwik.reporting.onlyfailures", "true")
                .configurationParameter("jqwik.database", "target/jqwik-database-selftest")
                .configurationParameter("jqwik.failures.runfirst", "false")
                .configurationParameter("jqwik.failures.after.default", "RANDOM_SEED")
                // The self-tests check which rules fail and what the messages say, not the shrinking: keep them fast.
                .configurationParameter("jqwik.shrinking.default", "OFF")
                .configurationParameters(configuration)
                .execute()
                .testEvents()
                .stream()
                .forEach(run::record);
        return run;
    }

    private void record(Event event) {
        TestDescriptor descriptor = event.getTestDescriptor();
        Optional<String> method = descriptor
                .getSource()
                .filter(MethodSource.class::isInstance)
                .map(source -> ((MethodSource) source).getMethodName());
        if (method.isEmpty()) {
            return;
        }
        Matcher matcher = RULE_ID.matcher(method.get());
        if (!matcher.find()) {
            return;
        }
        String id = matcher.group(1);
        if (event.getType() == EventType.SKIPPED) {
            String reason = event.getPayload(String.class).orElse("");
            outcomes.put(id, new Outcome(id, method.get(), Status.SKIPPED, reason));
        } else if (event.getType() == EventType.FINISHED) {
            TestExecutionResult result =
                    event.getPayload(TestExecutionResult.class).orElseThrow();
            String message = result.getThrowable().map(ContractRun::messages).orElse("");
            Status status = result.getStatus() == TestExecutionResult.Status.SUCCESSFUL ? Status.PASSED : Status.FAILED;
            outcomes.put(id, new Outcome(id, method.get(), status, message));
        }
    }

    private static String messages(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }

    /** The outcome of the rule with this id. */
    Outcome rule(String id) {
        Outcome outcome = outcomes.get(id);
        if (outcome == null) {
            throw new AssertionError("rule " + id + " did not run; the rules that ran: " + outcomes.keySet());
        }
        return outcome;
    }

    /** Every outcome, by rule id. */
    Map<String, Outcome> outcomes() {
        return outcomes;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        outcomes.values()
                .forEach(o -> text.append(o.ruleId())
                        .append(' ')
                        .append(o.status())
                        .append(' ')
                        .append(o.message().lines().findFirst().orElse(""))
                        .append('\n'));
        return text.toString();
    }
}
