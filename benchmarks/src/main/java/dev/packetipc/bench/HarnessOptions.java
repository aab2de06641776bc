package dev.packetipc.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The harness's command line. {@link #USAGE} lists every option. */
final class HarnessOptions {
    static final String USAGE = String.join(
            "\n",
            "usage: packet-ipc bench [options]   (or java ... dev.packetipc.bench.Harness [options])",
            "  --quick                 about a minute: 64 B, 1500 B, 64 KiB in batches of 1024, 1 client, short windows",
            "  --transports a,b        our transport ids to run (default: unix, shm and every transport found);",
            "                          'none' runs none. Each runs with poll and with receivePackets (see --receive)",
            "  --baselines a,b         junixsocket, jdk-uds, chronicle, aeron, memcpy (default: all); 'none' for none",
            "  --sizes 64,1500,65536   payload bytes per packet",
            "  --batches 1,64,1024     packets per send",
            "  --clients 1,4           concurrent clients",
            "  --receive poll,receivePackets   receive paths measured for our transports",
            "  --no-latency            skip the 64 B round trip",
            "  --warmup-ms N --window-ms N --repeats N   one measurement: warm-up, then N windows (their median)",
            "  --rounds N              measure everything N times, contenders interleaved; report the median round",
            "  --out DIR               where results.csv, results.json, results.md and throughput.png go",
            "                          (default bench-results)",
            "  --jvm-arg ARG           an extra flag for the child JVMs (repeatable)",
            "  --verbose               echo the child JVMs' own output",
            "  --help                  this text");

    boolean quick;
    boolean help;
    boolean verbose;
    boolean latency = true;
    List<String> transports;
    List<String> baselines = Contender.BASELINES.stream().map(Contender::id).toList();
    List<Integer> sizes = List.of(64, 1500, 65536);
    List<Integer> batches = List.of(1, 64, 1024);
    List<Integer> clients = List.of(1, 4);
    List<String> receivePaths = List.of("poll", "receivePackets");
    Timing timing = Timing.FULL;
    int rounds = 3;
    Path out = Path.of("bench-results");
    final List<String> jvmArguments = new ArrayList<>();

    static HarnessOptions parse(String[] args) {
        HarnessOptions o = new HarnessOptions();
        if (Arrays.asList(args).contains("--quick")) {
            o.quick = true;
            o.batches = List.of(1024);
            o.clients = List.of(1);
            o.timing = Timing.QUICK;
            o.rounds = 1;
        }
        Long warmup = null;
        Long window = null;
        Integer repeats = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--quick" -> {}
                case "--help", "-h" -> o.help = true;
                case "--verbose" -> o.verbose = true;
                case "--no-latency" -> o.latency = false;
                case "--transports" -> o.transports = names(value(args, ++i, arg));
                case "--baselines" -> o.baselines = names(value(args, ++i, arg));
                case "--sizes" -> o.sizes = numbers(value(args, ++i, arg), arg);
                case "--batches" -> o.batches = numbers(value(args, ++i, arg), arg);
                case "--clients" -> o.clients = numbers(value(args, ++i, arg), arg);
                case "--receive" -> o.receivePaths = receivePaths(value(args, ++i, arg));
                case "--warmup-ms" -> warmup = (long) number(value(args, ++i, arg), arg, 0);
                case "--window-ms" -> window = (long) number(value(args, ++i, arg), arg, 1);
                case "--repeats" -> repeats = number(value(args, ++i, arg), arg, 1);
                case "--rounds" -> o.rounds = number(value(args, ++i, arg), arg, 1);
                case "--out" -> o.out = Path.of(value(args, ++i, arg));
                case "--jvm-arg" -> o.jvmArguments.add(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'\n" + USAGE);
            }
        }
        o.baselines.forEach(Contender::baseline);
        o.timing = new Timing(
                warmup != null ? warmup : o.timing.warmupMillis(),
                window != null ? window : o.timing.windowMillis(),
                repeats != null ? repeats : o.timing.repeats());
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static List<String> names(String list) {
        if (list.equals("none")) {
            return List.of();
        }
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static List<String> receivePaths(String list) {
        List<String> paths = names(list);
        for (String path : paths) {
            if (!path.equals("poll") && !path.equals("receivePackets")) {
                throw new IllegalArgumentException("--receive takes poll and/or receivePackets, not '" + path + "'");
            }
        }
        return paths;
    }

    private static List<Integer> numbers(String list, String option) {
        return Arrays.stream(list.split(","))
                .map(s -> number(s.trim(), option, 1))
                .toList();
    }

    private static int number(String text, String option, int min) {
        try {
            int value = Integer.parseInt(text);
            if (value < min) {
                throw new IllegalArgumentException(option + " must be at least " + min + ", was " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes whole numbers, not '" + text + "'", e);
        }
    }
}
