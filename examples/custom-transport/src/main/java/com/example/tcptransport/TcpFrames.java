package com.example.tcptransport;

/**
 * The example's own framing, big-endian as {@link java.io.DataOutputStream} writes it:
 *
 * <pre>
 * BATCH: int type=1, int count, then per packet: long timestampNanos, int length, byte[length] payload
 * END:   int type=2
 * </pre>
 */
final class TcpFrames {
    static final int BATCH = 1;
    static final int END = 2;

    private TcpFrames() {}
}
