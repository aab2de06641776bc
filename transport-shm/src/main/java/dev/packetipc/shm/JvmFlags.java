package dev.packetipc.shm;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JVM flags Chronicle Queue needs on the running JDK, and which of them this JVM lacks. Checked through
 * {@link Module#isOpen}/{@link Module#isExported} and system properties, never by loading Chronicle.
 *
 * <p>On the class path the flags name {@code ALL-UNNAMED}. On the module path Chronicle's jars are automatic modules,
 * so the flags name them: the JDK internals go to {@value #CHRONICLE_MODULE}, native access to {@value #JNA_MODULE}
 * (Chronicle loads its native code through JNA).
 */
final class JvmFlags {
    /** The Chronicle module that reaches into the JDK, on the module path. */
    static final String CHRONICLE_MODULE = "chronicle.core";

    /** The module that calls native code for Chronicle, on the module path. */
    static final String JNA_MODULE = "com.sun.jna";

    private JvmFlags() {}

    /** Every flag the running JDK needs, in the order to pass them, for the path this transport was loaded from. */
    static List<String> required() {
        return required(Runtime.version().feature(), onModulePath());
    }

    /** Every flag a JDK of this feature release needs on the class path. */
    static List<String> required(int feature) {
        return required(feature, false);
    }

    /** Every flag a JDK of this feature release needs, on the module path or the class path. */
    static List<String> required(int feature, boolean modulePath) {
        String internals = modulePath ? CHRONICLE_MODULE : "ALL-UNNAMED";
        List<String> flags = new ArrayList<>(List.of(
                "--add-opens=java.base/java.lang.reflect=" + internals,
                "--add-exports=java.base/sun.nio.ch=" + internals,
                "--add-exports=java.base/jdk.internal.ref=" + internals));
        if (feature >= 24) {
            flags.add("--enable-native-access=" + (modulePath ? JNA_MODULE : "ALL-UNNAMED"));
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags;
    }

    /** Whether this transport runs as a named module (the application is on the module path). */
    static boolean onModulePath() {
        return JvmFlags.class.getModule().isNamed();
    }

    /** The required flags this JVM was not started with; empty when all are there. */
    static List<String> missing() {
        Module base = Object.class.getModule();
        Module self = JvmFlags.class.getModule();
        Module internalsUser;
        Module nativeUser;
        if (self.isNamed()) {
            internalsUser = module(CHRONICLE_MODULE).orElse(self);
            nativeUser = module(JNA_MODULE).orElse(self);
        } else {
            internalsUser = JvmFlags.class.getClassLoader().getUnnamedModule();
            nativeUser = internalsUser;
        }
        List<String> missing = new ArrayList<>();
        for (String flag : required()) {
            boolean present;
            if (flag.startsWith("--add-opens=")) {
                present = base.isOpen(packageOf(flag), internalsUser);
            } else if (flag.startsWith("--add-exports=")) {
                present = base.isExported(packageOf(flag), internalsUser);
            } else if (flag.startsWith("--enable-native-access=")) {
                present = nativeAccessEnabled(nativeUser);
            } else {
                present = "allow".equals(System.getProperty("sun.misc.unsafe.memory.access"));
            }
            if (!present) {
                missing.add(flag);
            }
        }
        return missing;
    }

    /** A module of this transport's layer, found by name without loading any of its classes. */
    private static Optional<Module> module(String name) {
        ModuleLayer layer = JvmFlags.class.getModule().getLayer();
        return layer == null ? Optional.empty() : layer.findModule(name);
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
