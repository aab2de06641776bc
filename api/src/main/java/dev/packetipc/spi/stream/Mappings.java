package dev.packetipc.spi.stream;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Maps shared memory so that it can be unmapped at once, instead of when the garbage collector finds it unreachable:
 * a server that outlives many connections would otherwise keep every finished connection's shared memory mapped (and
 * resident) until a GC.
 *
 * <p>How, by JDK: from JDK 22 on, each mapping gets a shared {@code java.lang.foreign.Arena} of its own, and closing
 * the arena unmaps it (called through reflection, since the library is compiled for Java 17); on JDK 17 to 21, where
 * that API is not final, {@code sun.misc.Unsafe.invokeCleaner} from {@code jdk.unsupported} unmaps (it needs no flag
 * there, and from JDK 24 on it would print a deprecation warning, which is why it is not used there). Where neither
 * works, {@link #unmap} does nothing and the mapping goes at a GC, as a plain {@code FileChannel.map} does.
 *
 * <p>Unmap only when no thread can touch the buffer, or any view of it, again: the stream engine does so once the
 * sending side (server) or the receiving side (client) has left its last {@code send} or {@code poll} and is closed.
 * A later access fails with an exception where an arena unmapped it, and may crash the JVM where {@code invokeCleaner}
 * did.
 */
public final class Mappings {
    private static final Foreign FOREIGN = Foreign.load();
    private static final MethodHandle INVOKE_CLEANER = FOREIGN == null ? invokeCleaner() : null;
    /** The arena of each buffer {@link #map} made through it, until {@link #unmap}. */
    private static final Map<ByteBuffer, AutoCloseable> ARENAS = Collections.synchronizedMap(new IdentityHashMap<>());

    private Mappings() {}

    /**
     * Maps {@code size} bytes of {@code file} from its start.
     *
     * @param file the open file
     * @param mode read-only or read-write
     * @param size the bytes to map
     * @return the mapping, to hand to {@link #unmap} when done
     * @throws IOException if the system refuses
     */
    public static ByteBuffer map(FileChannel file, FileChannel.MapMode mode, long size) throws IOException {
        if (FOREIGN == null) {
            return file.map(mode, 0, size);
        }
        return FOREIGN.map(file, mode, size);
    }

    /**
     * Unmaps {@code mapped}, a buffer that {@link #map} returned (or a {@code FileChannel.map} buffer on JDK 17 to
     * 21), now. Idempotent.
     *
     * @param mapped the mapping; {@code null} is ignored
     * @return whether it was unmapped now (false if unmapping is not available here, or the buffer is not a mapping's
     *     own)
     */
    public static boolean unmap(ByteBuffer mapped) {
        if (mapped == null || !mapped.isDirect()) {
            return false;
        }
        AutoCloseable arena = ARENAS.remove(mapped);
        if (arena != null) {
            try {
                arena.close();
                return true;
            } catch (Exception e) {
                throw new IllegalStateException("unmapping a shared-memory buffer failed", e);
            }
        }
        if (INVOKE_CLEANER == null) {
            return false;
        }
        try {
            INVOKE_CLEANER.invokeExact(mapped);
            return true;
        } catch (IllegalArgumentException e) { // a slice or duplicate: its memory goes with its parent's
            return false;
        } catch (Throwable e) {
            throw new IllegalStateException("unmapping a shared-memory buffer failed", e);
        }
    }

    private static MethodHandle invokeCleaner() {
        if (Runtime.version().feature() >= 24) {
            return null; // deprecated for removal there, with a warning on first use
        }
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null; // no jdk.unsupported here: mappings go when the collector finds them
        }
    }

    /** The JDK 22 foreign memory API, through method handles. */
    private static final class Foreign {
        private final MethodHandle ofShared;
        private final MethodHandle map;
        private final MethodHandle asByteBuffer;

        private Foreign(MethodHandle ofShared, MethodHandle map, MethodHandle asByteBuffer) {
            this.ofShared = ofShared;
            this.map = map;
            this.asByteBuffer = asByteBuffer;
        }

        static Foreign load() {
            if (Runtime.version().feature() < 22) {
                return null;
            }
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                return new Foreign(
                        lookup.findStatic(arena, "ofShared", MethodType.methodType(arena)),
                        lookup.findVirtual(
                                FileChannel.class,
                                "map",
                                MethodType.methodType(
                                        segment, FileChannel.MapMode.class, long.class, long.class, arena)),
                        lookup.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class)));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }

        ByteBuffer map(FileChannel file, FileChannel.MapMode mode, long size) throws IOException {
            AutoCloseable arena;
            try {
                arena = (AutoCloseable) ofShared.invoke();
            } catch (Throwable e) {
                throw new IOException("cannot make an arena to map shared memory in", e);
            }
            try {
                ByteBuffer buffer = (ByteBuffer) asByteBuffer.invoke(map.invoke(file, mode, 0L, size, arena));
                ARENAS.put(buffer, arena);
                return buffer;
            } catch (IOException | RuntimeException | Error e) {
                closeQuietly(arena);
                throw e;
            } catch (Throwable e) {
                closeQuietly(arena);
                throw new IOException("mapping shared memory failed", e);
            }
        }

        private static void closeQuietly(AutoCloseable arena) {
            try {
                arena.close();
            } catch (Exception e) {
                // nothing was mapped in it
            }
        }
    }
}
