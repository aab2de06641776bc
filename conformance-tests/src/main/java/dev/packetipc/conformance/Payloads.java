package dev.packetipc.conformance;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Generated payloads by length and seed, one shared array per pair for as long as anything still holds it. The arrays
 * are never written after they are made: {@link dev.packetipc.Packet#of(long, byte[])} hands them out read-only.
 */
final class Payloads {
    private static final ConcurrentHashMap<Key, Entry> CACHE = new ConcurrentHashMap<>();
    private static final ReferenceQueue<byte[]> CLEARED = new ReferenceQueue<>();

    private Payloads() {}

    /** The payload of this length filled from this seed, the same array as last time if it is still alive. */
    static byte[] of(int length, long seed) {
        dropCleared();
        Key key = new Key(length, seed);
        while (true) {
            Entry entry = CACHE.get(key);
            byte[] bytes = entry == null ? null : entry.get();
            if (bytes != null) {
                return bytes;
            }
            byte[] made = Generators.payload(length, seed);
            Entry fresh = new Entry(key, made);
            boolean stored = entry == null ? CACHE.putIfAbsent(key, fresh) == null : CACHE.replace(key, entry, fresh);
            if (stored) {
                return made;
            }
        }
    }

    private static void dropCleared() {
        for (Object cleared = CLEARED.poll(); cleared != null; cleared = CLEARED.poll()) {
            Entry entry = (Entry) cleared;
            CACHE.remove(entry.key, entry);
        }
    }

    private record Key(int length, long seed) {}

    private static final class Entry extends WeakReference<byte[]> {
        final Key key;

        Entry(Key key, byte[] bytes) {
            super(bytes, CLEARED);
            this.key = key;
        }
    }
}
