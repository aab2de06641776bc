package dev.packetipc.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code packet-ipc bench}: runs the benchmark harness, {@value #HARNESS}{@code .run(String[])}, when it is on the
 * class path; the command has no dependency on it.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the benchmark harness (the benchmarks module) with the arguments given.",
            "Fails with a message when the harness is not on the class path."
        })
final class BenchCommand implements Callable<Integer> {
    /** The harness's class: it has {@code public static int run(String[] args)}. */
    static final String HARNESS = "dev.packetipc.bench.Harness";

    @Unmatched
    List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Class<?> harness;
        try {
            harness = Class.forName(HARNESS, true, BenchCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            System.err.println("packet-ipc bench: error: the benchmark harness is not in this jar: run bin/packet-ipc"
                    + " bench (it builds benchmarks/target/benchmarks.jar), or java -cp benchmarks/target/benchmarks.jar "
                    + HARNESS);
            return ExitCodes.FAILURE;
        }
        Method run = harness.getMethod("run", String[].class);
        if (!Modifier.isStatic(run.getModifiers()) || run.getReturnType() != int.class) {
            throw new IllegalStateException(HARNESS + ".run(String[]) must be public static int");
        }
        try {
            return (Integer) run.invoke(null, (Object) arguments.toArray(new String[0]));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }
}
