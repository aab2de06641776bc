package dev.packetipc.shm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * How the transport opens its Chronicle queues: five-minute cycles, rolled early by the sender's {@link RollingClock}
 * after a number of bytes, and sized blocks. The cycle's length only names the files; what matters is its index:
 * one entry every 256 documents, in arrays of 2048 (16 KiB). Chronicle's one-second test cycle indexes every 4th
 * document in arrays of 32768, which cost small batches a fifth of their time in index scans.
 */
final class Queues {
    /** Cycles the sender's {@link RollingClock} rolls after a number of bytes (or every five minutes, if sooner). */
    static final RollCycles ROLL_CYCLE = RollCycles.FIVE_MINUTELY;

    /**
     * Chronicle's time-out for its locks and for a cycle's end-of-file marker (its default is 10 s, and its table-store
     * lock waits 1.5 times that). A connection's queue has one writer, so a lock is contended, or an end-of-file
     * marker missing, only when that writer died in the middle of writing (a killed server). A reader then waited out
     * Chronicle's time-outs inside {@code readingDocument()}, where it could not look at the server's lease: a killed
     * server was noticed after 40 s instead of within the lease (measured: over 25 servers killed mid-stream, the
     * slowest was noticed after 4.2 s with 1 s here, 0.2 s with 100 ms). A live writer holds a lock, or leaves a cycle
     * without its marker, for microseconds; 500 ms leaves a descheduled writer room on a loaded machine.
     */
    static final long CHRONICLE_TIMEOUT_MILLIS = 500;

    /**
     * How much of a connection's first cycle file the server writes (zeros) before Chronicle maps it: the file's
     * header, its first index arrays and the first documents (Chronicle's header and the two index arrays of a new
     * cycle end at about 33 KiB; the rest is room for the first batches).
     *
     * <p>Chronicle makes a cycle file sparse (its length set to the block size plus an overlap, 160 MiB at default
     * options) and maps it. On a disk file system the first touch of a hole in such a mapping makes the kernel read
     * around it, as far as the device's read-ahead reaches, and fill every page of that with zeros: 8 MiB per new
     * connection on the 2-core machine measured (ext4, {@code read_ahead_kb} 8192), where that took a median 97 ms of
     * one processor (memory new to the virtual machine is slow to touch), so a burst of 256 connections needed about
     * 25 processor-seconds and its last clients ran out of their {@code CONNECT_TIMEOUT}. Pages already in the page
     * cache, written here, are mapped without reading around, and only the pages used become memory: the first cycle
     * then took a median 2.6 ms (200 handshakes one after the other, each phase timed on its thread's clock).
     */
    static final int PREPARED_BYTES = 128 << 10;

    /** Chronicle's suffix of a cycle file. */
    private static final String CYCLE_SUFFIX = ".cq4";
    /**
     * Chronicle's suffix of a pre-created cycle file: Chronicle renames {@code <name>.precreated} to
     * {@code <name>.cq4} when it creates cycle {@code <name>}, instead of creating a new file.
     */
    private static final String PRECREATED_SUFFIX = ".precreated";

    private static final ByteBuffer ZEROS =
            ByteBuffer.allocateDirect(PREPARED_BYTES).asReadOnlyBuffer();

    private Queues() {}

    /** The queue of one connection. */
    static SingleChronicleQueue open(
            Path directory, int maxDocumentBytes, TimeProvider clock, StoreFileListener listener) {
        return SingleChronicleQueueBuilder.binary(directory)
                .rollCycle(ROLL_CYCLE)
                .blockSize(blockSize(maxDocumentBytes))
                .timeProvider(clock)
                .timeoutMS(CHRONICLE_TIMEOUT_MILLIS)
                .storeFileListener(listener)
                .build();
    }

    /**
     * Writes the first {@link #PREPARED_BYTES} of the queue's current cycle file (by its clock), under the name from
     * which Chronicle takes a pre-created cycle file, before anything is appended (see {@link #PREPARED_BYTES} for
     * why). The caller appends, then calls {@link #discardUnused}: the file is renamed into the cycle file when the
     * appender creates that cycle, and left over only if the clock had moved on to the next cycle meanwhile.
     *
     * @return the pre-created file; {@code null} if a cycle file or pre-created file is there already
     * @throws IOException if the file cannot be written (what was written of it is deleted)
     */
    static Path prepareCycleFile(SingleChronicleQueue queue) throws IOException {
        Path cycleFile = cycleFile(queue, queue.cycle());
        String name = cycleFile.getFileName().toString();
        Path prepared =
                cycleFile.resolveSibling(name.substring(0, name.length() - CYCLE_SUFFIX.length()) + PRECREATED_SUFFIX);
        if (Files.exists(cycleFile) || Files.exists(prepared)) {
            return null;
        }
        try (FileChannel channel =
                FileChannel.open(prepared, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ZEROS.duplicate();
            while (zeros.hasRemaining()) {
                channel.write(zeros);
            }
        } catch (IOException e) {
            Files.deleteIfExists(prepared);
            throw e;
        }
        return prepared;
    }

    /** Deletes a file of {@link #prepareCycleFile} that Chronicle did not take; true if there was one. */
    static boolean discardUnused(Path prepared) {
        try {
            return prepared != null && Files.deleteIfExists(prepared);
        } catch (IOException e) {
            return false; // the queue's files go with the connection's directory
        }
    }

    /** The file of a cycle: Chronicle names it by the cycle's start (UTC) in the roll cycle's format. */
    static Path cycleFile(SingleChronicleQueue queue, int cycle) {
        RollCycle rollCycle = queue.rollCycle();
        String name = DateTimeFormatter.ofPattern(rollCycle.format())
                .withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli((long) cycle * rollCycle.lengthInMillis()));
        return queue.file().toPath().resolve(name + CYCLE_SUFFIX);
    }

    /** Chronicle accepts documents up to a quarter of the block size; never below 16 MiB. */
    static long blockSize(int maxDocumentBytes) {
        return Math.max(16L << 20, Long.highestOneBit(4L * maxDocumentBytes + 65536) << 1);
    }
}
