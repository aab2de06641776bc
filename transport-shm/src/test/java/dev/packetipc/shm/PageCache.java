package dev.packetipc.shm;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What of a file is in memory, counted through the page cache ({@link MappedByteBuffer#isLoaded}, mincore). */
final class PageCache {
    private static final int PAGE = 4096;

    private PageCache() {}

    /** How many bytes of a file are in the page cache, page by page; touches none of them. */
    static long residentBytes(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long resident = 0;
            for (long from = 0; from < size; from += Integer.MAX_VALUE / PAGE * PAGE) {
                int length = (int) Math.min(size - from, Integer.MAX_VALUE / PAGE * PAGE);
                MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, from, length);
                for (int at = 0; at < length; at += PAGE) {
                    if (mapped.slice(at, Math.min(PAGE, length - at)).isLoaded()) {
                        resident += PAGE;
                    }
                }
            }
            return resident;
        }
    }
}
