package dev.packetipc.nativeinterop;

import java.util.List;

/** What a child JVM running the Java Unix transport needs; the C client checks that its regions are sealed. */
final class JavaServerSeals {
    private JavaServerSeals() {}

    /** Flags a child JVM running the Java transport needs (JDK 22+ warns about native access without them). */
    static List<String> childJvmFlags() {
        return Runtime.version().feature() >= 22 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
    }
}
