package dev.packetipc.cli;

import java.util.Locale;

/** Human-readable numbers for the command's output. */
final class Units {
    private Units() {}

    /** Bytes in binary units, e.g. "143.1 MiB". */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** Megabytes (10^6 bytes) per second. */
    static String megabytesPerSecond(long bytes, long nanos) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytes / 1e6 / seconds(nanos));
    }

    /** Packets per second, e.g. "1.23 M packets/s". */
    static String packetsPerSecond(long packets, long nanos) {
        double rate = packets / seconds(nanos);
        if (rate >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M packets/s", rate / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f k packets/s", rate / 1e3);
    }

    /** Seconds with two decimals, e.g. "1.25 s". */
    static String elapsed(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    private static double seconds(long nanos) {
        return Math.max(nanos, 1) / 1e9;
    }
}
