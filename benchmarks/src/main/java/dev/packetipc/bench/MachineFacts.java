package dev.packetipc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The facts of the machine a run happened on: cores, CPU model, memory, JDK, operating system. */
final class MachineFacts {
    private MachineFacts() {}

    static Map<String, String> collect() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
        facts.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch")));
        facts.put(
                "memory",
                firstValue(Path.of("/proc/meminfo"), "MemTotal")
                        .map(MachineFacts::gibibytes)
                        .orElse("unknown"));
        facts.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        return facts;
    }

    private static java.util.Optional<String> firstValue(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.stream()
                    .filter(line -> line.startsWith(key))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static String gibibytes(String memTotal) {
        String[] parts = memTotal.split("\\s+");
        try {
            return String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(parts[0]) / 1024.0 / 1024.0);
        } catch (NumberFormatException e) {
            return memTotal;
        }
    }
}
