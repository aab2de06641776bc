package dev.packetipc.bench;

import java.util.Locale;

/** How figures are written in the table: 12.3 M, 845 k, 4.21 µs, 1.02x. */
final class Format {
    private Format() {}

    static String count(double value) {
        if (value >= 1e9) {
            return String.format(Locale.ROOT, "%.2f G", value / 1e9);
        }
        if (value >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M", value / 1e6);
        }
        if (value >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k", value / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", value);
    }

    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.2f us", nanos / 1e3);
    }

    static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }

    static String gigabytes(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%.3f", bytesPerSecond / 1e9);
    }

    /** A ratio spread over rounds: {@code 0.91x (0.85-0.97)}, or just the ratio for one round. */
    static String spread(Spread spread) {
        return spread.count() == 1
                ? ratio(spread.median())
                : String.format(Locale.ROOT, "%.2fx (%.2f-%.2f)", spread.median(), spread.min(), spread.max());
    }

    /** Bytes in MiB. */
    static String mebibytes(long bytes) {
        return bytes < 0 ? "" : String.format(Locale.ROOT, "%.0f", bytes / 1048576.0);
    }
}
