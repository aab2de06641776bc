package dev.packetipc.cli;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The JVM flags the transports need, whether this JVM has them, and the flags a child JVM is started with. The shm
 * transport (Chronicle Queue) needs module openings on every JDK, the aeron transport (Agrona) an export of
 * {@code jdk.internal.misc}; JNI users (junixsocket, JNA) want native access
 * enabled from JDK 22 on to stay quiet. {@code java -jar packet-ipc.jar} gets most of them from the jar's manifest;
 * {@code bin/packet-ipc} adds the rest.
 */
final class JvmFlags {
    /** One flag, and how to tell whether this JVM runs with it. */
    record Flag(String text, int sinceFeature, BooleanSupplier inEffect) {
        boolean appliesHere() {
            return Runtime.version().feature() >= sinceFeature;
        }
    }

    static final Flag OPEN_REFLECT = new Flag(
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            9,
            () -> Object.class.getModule().isOpen("java.lang.reflect", JvmFlags.class.getModule()));
    static final Flag EXPORT_NIO = new Flag(
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            9,
            () -> Object.class.getModule().isExported("sun.nio.ch", JvmFlags.class.getModule()));
    static final Flag EXPORT_REF = new Flag(
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            9,
            () -> Object.class.getModule().isExported("jdk.internal.ref", JvmFlags.class.getModule()));
    /** What Aeron's Agrona needs on every JDK from 17 on (see transport-aeron's README). */
    static final Flag EXPORT_MISC = new Flag(
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            9,
            () -> Object.class.getModule().isExported("jdk.internal.misc", JvmFlags.class.getModule()));

    static final Flag NATIVE_ACCESS = new Flag("--enable-native-access=ALL-UNNAMED", 22, JvmFlags::nativeAccessEnabled);
    static final Flag UNSAFE_MEMORY_ACCESS = new Flag(
            "--sun-misc-unsafe-memory-access=allow",
            23,
            () -> inputArguments().contains("--sun-misc-unsafe-memory-access=allow"));

    private JvmFlags() {}

    /** The flags the transport with this id needs on this JDK (none for transports not listed). */
    static List<Flag> neededBy(String transportId) {
        List<Flag> flags = new ArrayList<>();
        switch (transportId) {
            case "shm":
                flags.addAll(List.of(OPEN_REFLECT, EXPORT_NIO, EXPORT_REF, NATIVE_ACCESS, UNSAFE_MEMORY_ACCESS));
                break;
            case "aeron":
                flags.add(EXPORT_MISC);
                break;
            case "unix":
            case "pipe":
                flags.add(NATIVE_ACCESS);
                break;
            default:
                break;
        }
        flags.removeIf(flag -> !flag.appliesHere());
        return flags;
    }

    /**
     * The flags for a child JVM that runs any transport: every transport's flags for this JDK, then this JVM's own
     * system properties and memory settings (debugging agents left out).
     */
    static List<String> forChildJvm() {
        Set<String> flags = new LinkedHashSet<>();
        for (String id : List.of("unix", "pipe", "shm", "aeron")) {
            neededBy(id).forEach(flag -> flags.add(flag.text()));
        }
        for (String argument : inputArguments()) {
            if (argument.startsWith("-D") || argument.startsWith("-Xm") || argument.startsWith("-Xss")) {
                flags.add(argument);
            }
        }
        return List.copyOf(flags);
    }

    static List<String> inputArguments() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    private static boolean nativeAccessEnabled() {
        try {
            Method method = Module.class.getMethod("isNativeAccessEnabled");
            return (Boolean) method.invoke(JvmFlags.class.getModule());
        } catch (ReflectiveOperationException e) {
            return inputArguments().contains("--enable-native-access=ALL-UNNAMED");
        }
    }
}
