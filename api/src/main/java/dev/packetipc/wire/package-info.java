/**
 * The one codec of the byte-stream wire format that the Unix-socket and named-pipe transports share; the format
 * itself is specified in {@code docs/wire-format.md}. For transport implementers: users never need this package.
 *
 * <p>Layouts are named constants in the descriptor classes ({@link dev.packetipc.wire.FrameDescriptor},
 * {@link dev.packetipc.wire.HandshakeDescriptor}, {@link dev.packetipc.wire.BatchDescriptor}); all fields are
 * little-endian. {@link dev.packetipc.wire.FrameEncoder} writes frames into a caller's buffer,
 * {@link dev.packetipc.wire.FrameDecoder} validates a frame header before its body has arrived, and
 * {@link dev.packetipc.wire.BatchReader} walks a batch in place without allocating.
 */
package dev.packetipc.wire;
