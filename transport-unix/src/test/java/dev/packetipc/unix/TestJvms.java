package dev.packetipc.unix;

import java.util.List;

/** JVM flags the tests' child JVMs need. */
final class TestJvms {
    private TestJvms() {}

    /** JDK 22+ warns about native access without this flag; junixsocket and JNA are native. */
    static List<String> nativeAccessFlags() {
        return Runtime.version().feature() >= 22 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
    }
}
