package dev.packetipc.shm;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags Chronicle Queue needs on the running JDK, and which of them this JVM lacks. Checked through
 * {@link Module#isOpen}/{@link Module#isExported} and system properties, never by loading Chronicle.
 */
final class JvmFlags {
    private JvmFlags() {}

    /** Every flag the running JDK needs, in the order to pass them. */
    static List<String> required() {
        return required(Runtime.version().feature());
    }

    /** Every flag a JDK of this feature release needs. */
    static List<String> required(int feature) {
        List<String> flags = new ArrayList<>(List.of(
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"));
        if (feature >= 24) {
            flags.add("--enable-native-access=ALL-UNNAMED");
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags;
    }

    /** The required flags this JVM was not started with; empty when all are there. */
    static List<String> missing() {
        Module base = Object.class.getModule();
        Module unnamed = JvmFlags.class.getClassLoader().getUnnamedModule();
        Module self = JvmFlags.class.getModule();
        List<String> missing = new ArrayList<>();
        for (String flag : required()) {
            boolean present;
            if (flag.startsWith("--add-opens=")) {
                present = base.isOpen(packageOf(flag), self) || base.isOpen(packageOf(flag), unnamed);
            } else if (flag.startsWith("--add-exports=")) {
                present = base.isExported(packageOf(flag), self) || base.isExported(packageOf(flag), unnamed);
            } else if (flag.startsWith("--enable-native-access=")) {
                present = nativeAccessEnabled(self);
            } else {
                present = "allow".equals(System.getProperty("sun.misc.unsafe.memory.access"));
            }
            if (!present) {
                missing.add(flag);
            }
        }
        return missing;
    }

    private static String packageOf(String flag) {
        String target = flag.substring(flag.indexOf("java.base/") + "java.base/".length());
        return target.substring(0, target.indexOf('='));
    }

    /** {@code Module.isNativeAccessEnabled()} exists from JDK 22 on; before that no flag is needed. */
    private static boolean nativeAccessEnabled(Module module) {
        try {
            Method method = Module.class.getMethod("isNativeAccessEnabled");
            return (Boolean) method.invoke(module);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
