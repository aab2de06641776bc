package dev.packetipc.nativeinterop;

import java.util.Arrays;
import java.util.List;

/**
 * Whether the Java Unix transport on the class path seals the memfd regions it creates (issue 12 item 6). Before it
 * does, the C client must be told to accept unsealed regions; once it does, the tests run without that flag.
 */
final class JavaServerSeals {
    private JavaServerSeals() {}

    static boolean sealsItsRegions() {
        try {
            Class<?> memory = Class.forName("dev.packetipc.unix.FileDescriptorSharedMemory");
            return Arrays.stream(memory.getDeclaredMethods())
                    .anyMatch(m -> m.getName().equals("checkSeals"));
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Flags a child JVM running the Java transport needs (JDK 22+ warns about native access without them). */
    static List<String> childJvmFlags() {
        return Runtime.version().feature() >= 22 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
    }
}
