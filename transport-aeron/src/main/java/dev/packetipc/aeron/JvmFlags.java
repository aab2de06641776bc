package dev.packetipc.aeron;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags Aeron (through Agrona) needs, and which of them this JVM lacks. Checked with {@link Module#isExported},
 * never by loading an Aeron or Agrona class.
 *
 * <p>Agrona 2 reaches {@code jdk.internal.misc.Unsafe} directly, so it needs the export on every JDK from 17 on; it
 * does not use {@code sun.misc.Unsafe}, so JDK 24's {@code --sun-misc-unsafe-memory-access} does not concern it, and
 * Aeron's Java driver and client use no native code, so {@code --enable-native-access} is not needed either.
 */
final class JvmFlags {
    /** The one flag Agrona needs. */
    static final String EXPORT_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    private JvmFlags() {}

    /** Every flag the running JDK needs, in the order to pass them. */
    static List<String> required() {
        return List.of(EXPORT_MISC);
    }

    /** The required flags this JVM was not started with; empty when all are there. */
    static List<String> missing() {
        Module base = Object.class.getModule();
        Module unnamed = JvmFlags.class.getClassLoader().getUnnamedModule();
        Module self = JvmFlags.class.getModule();
        List<String> missing = new ArrayList<>();
        if (!base.isExported("jdk.internal.misc", self) && !base.isExported("jdk.internal.misc", unnamed)) {
            missing.add(EXPORT_MISC);
        }
        return missing;
    }
}
