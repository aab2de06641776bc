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
            "  --quick                 about a minute: one round, short windows, no verify, idle or open-loop pass",
            "  --transports a,b        our transport ids to run (default: unix, shm and every transport found);",
            "                          'none' runs none. Each runs with poll and with receivePackets (see --receive).",
            "                          aeron-udp: the aeron transport over UDP on loopback (never by default);",
            "                          c-client: the C library's packet-ipc-cat receiving from our Java unix",
            "                          server (built with make -C native; one figure per workload, see README)",
            "  --baselines a,b         junixsocket, jdk-uds, chronicle, aeron, ring (default: these), aeron-udp",
            "                          (raw Aeron over UDP on loopback, driver as the aeron transport's: on request);",
            "                          'none' for none",
            "  --consume MODE          what every receiver does with every packet: touch (default: reads every",
            "                          payload byte), verify (order, gaps, duplicates and a CRC32C of every payload;",
            "                          a difference fails the run) or none (timestamp and length only)",
            "  --wait block,spin       receivers that wait in the kernel/library, and/or spin (default: both; peers",
            "                          without a blocking receive, Chronicle, Aeron and the ring, run in spin only)",
            "  --no-verify             skip the verify pass (each contender once per payload size with --consume",
            "                          verify, in the first round of a run of touch or none)",
            "  --rate N                the open-loop latency run's packets per second (default 100000); it runs",
            "                          in the first round, 64 B, latency from each packet's intended send time",
            "  --no-open-loop          skip the open-loop latency run",
            "  --no-idle               skip the idle pass (each contender once, a connected client with nothing to",
            "                          receive, CPU time over 2 s, in the first round)",
            "  --seed N                seed of the per-round shuffle of the contenders (default: the time)",
            "  --sizes 64,1500,65536   payload bytes per packet; 'imix' for mixed sizes (simple IMIX: 64, 594 and",
            "                          1518 B in the proportions 7:4:1)",
            "  --threshold             add payloads just below and at the shared-memory threshold (32767, 32768)",
            "  --batches 1024          packets per send (e.g. 1,64,1024)",
            "  --clients 1             concurrent clients, each a JVM of its own with one connection, each with its",
            "                          own sending thread in the server JVM (e.g. 1,4)",
            "  --receive poll,receivePackets   receive paths measured for our transports",
            "  --no-latency            skip the 64 B round trip (and the open-loop run)",
            "  --warmup-ms N --window-ms N --repeats N   one measurement: warm-up, then N windows (their median)",
            "  --rounds N              measure everything N times (default 5), contenders shuffled per round; ratios",
            "                          are taken within a round, reported as median (min-max) over the rounds",
            "  --out DIR               where results.csv, results.json, results.md, windows.csv, idle.csv, hlog/",
            "                          and throughput.png go (default bench-results)",
            "  --jvm-arg ARG           an extra flag for the child JVMs (repeatable)",
            "  --verbose               echo the child JVMs' own output",
            "  --help                  this text");

    boolean quick;
    boolean help;
    boolean verbose;
    boolean latency = true;
    List<String> transports;
    List<String> baselines = Contender.defaultBaselineIds();
    List<Integer> sizes = List.of(64, 1500, 65536);
    List<Integer> batches = List.of(1024);
    List<Integer> clients = List.of(1);
    List<String> receivePaths = List.of("poll", "receivePackets");
    List<String> waits = List.of("block", "spin");
    Consume.Mode consume = Consume.Mode.TOUCH;
    boolean verifyPass = true;
    boolean idlePass = true;
    boolean openLoop = true;
    int rate = 100_000;
    long seed = System.nanoTime();
    String fault;
    Timing timing = Timing.FULL;
    int rounds = 5;
    Path out = Path.of("bench-results");
    final List<String> jvmArguments = new ArrayList<>();

    static HarnessOptions parse(String[] args) {
        HarnessOptions o = new HarnessOptions();
        if (Arrays.asList(args).contains("--quick")) {
            o.quick = true;
            o.timing = Timing.QUICK;
            o.rounds = 1;
            o.verifyPass = false;
            o.idlePass = false;
            o.openLoop = false;
        }
        boolean threshold = false;
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
                case "--sizes" -> o.sizes = sizes(value(args, ++i, arg));
                case "--threshold" -> threshold = true;
                case "--batches" -> o.batches = numbers(value(args, ++i, arg), arg);
                case "--clients" -> o.clients = numbers(value(args, ++i, arg), arg);
                case "--receive" -> o.receivePaths = receivePaths(value(args, ++i, arg));
                case "--warmup-ms" -> warmup = (long) number(value(args, ++i, arg), arg, 0);
                case "--window-ms" -> window = (long) number(value(args, ++i, arg), arg, 1);
                case "--repeats" -> repeats = number(value(args, ++i, arg), arg, 1);
                case "--rounds" -> o.rounds = number(value(args, ++i, arg), arg, 1);
                case "--consume" -> o.consume = Consume.Mode.parse(value(args, ++i, arg));
                case "--wait" -> o.waits = waits(value(args, ++i, arg));
                case "--no-verify" -> o.verifyPass = false;
                case "--no-idle" -> o.idlePass = false;
                case "--no-open-loop" -> o.openLoop = false;
                case "--rate" -> o.rate = number(value(args, ++i, arg), arg, 1);
                case "--seed" -> o.seed = Long.parseLong(value(args, ++i, arg));
                case "--inject-fault" -> o.fault = fault(value(args, ++i, arg));
                case "--out" -> o.out = Path.of(value(args, ++i, arg));
                case "--jvm-arg" -> o.jvmArguments.add(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'\n" + USAGE);
            }
        }
        o.baselines.forEach(id -> Contender.baseline(id, List.of()));
        if (threshold) {
            List<Integer> sizes = new ArrayList<>(o.sizes);
            int at = dev.packetipc.IpcOptions.defaults().get(dev.packetipc.IpcOptions.SHARED_MEMORY_THRESHOLD);
            for (int size : new int[] {at - 1, at}) {
                if (!sizes.contains(size)) {
                    sizes.add(size);
                }
            }
            o.sizes = sizes;
        }
        if (o.consume == Consume.Mode.VERIFY) {
            o.verifyPass = false;
        }
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

    private static List<Integer> sizes(String list) {
        List<Integer> sizes = new ArrayList<>();
        for (String size : list.split(",")) {
            sizes.add(size.trim().equals("imix") ? Workload.IMIX : number(size.trim(), "--sizes", 1));
        }
        return sizes;
    }

    private static List<String> waits(String list) {
        List<String> waits = names(list);
        waits.forEach(Wait::parse);
        if (waits.isEmpty()) {
            throw new IllegalArgumentException("--wait takes block and/or spin");
        }
        return waits;
    }

    /** {@code --inject-fault gap|duplicate|flip}: for the harness's own tests of verify (not in the usage). */
    private static String fault(String name) {
        Batch.Fault.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        return name;
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
