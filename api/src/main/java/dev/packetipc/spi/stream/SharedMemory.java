package dev.packetipc.spi.stream;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * How a stream transport creates shared-memory regions and hands them to the peer: on Unix a {@code memfd} whose file
 * descriptor travels with the REGION frame ({@code SCM_RIGHTS}); on Windows a paging-file section duplicated into
 * the client with {@code DuplicateHandle}. See {@code docs/wire-format.md} §4.
 */
public interface SharedMemory {
    /**
     * Server side: creates a region of {@code size} bytes, mapped read-write.
     *
     * @throws IOException if the system refuses; the engine then sends every payload inline
     */
    SharedRegion create(long size) throws IOException;

    /**
     * Server side: arranges for the region's handle to reach the peer with the next bytes written on {@code channel},
     * which are the REGION frame.
     *
     * @return the value the REGION frame carries in its handle field (a duplicated handle on Windows, 0 on Unix)
     */
    int share(SharedRegion region, StreamChannel channel) throws IOException;

    /**
     * Client side: maps, read-only, the region that a fully received REGION frame announced.
     *
     * @param handle the REGION frame's handle field
     * @param size the region's size in bytes, from the REGION frame
     * @return the mapped bytes, with capacity {@code size}
     * @throws IOException if no handle arrived with the frame or it cannot be mapped
     */
    ByteBuffer open(StreamChannel channel, int handle, long size) throws IOException;

    /** A mapped region on the server side. */
    interface SharedRegion extends AutoCloseable {
        /** The region's bytes, read-write, capacity = the region's size. */
        ByteBuffer buffer();

        /** Releases the region's handle; the mapping goes once nothing references it. Idempotent. */
        @Override
        void close();
    }
}
