package dev.packetipc;

/**
 * A snapshot of one client's counters, from {@link Client#metrics()}: what it has handed to the application. Each value
 * is read once, without a lock; read it from the receiving thread, or accept a snapshot that may be one call behind.
 *
 * @param packetsReceived packets handed out by {@code poll} and {@code receivePackets}, a handler's throw included
 * @param bytesReceived their payload bytes, without framing
 * @param endOfStreamReceived whether the end of the stream has arrived, as {@link Client#isEndOfStreamReceived()}
 */
public record ClientMetrics(long packetsReceived, long bytesReceived, boolean endOfStreamReceived) {}
