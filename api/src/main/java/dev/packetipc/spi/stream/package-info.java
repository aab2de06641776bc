/**
 * The stream engine shared by every transport that moves bytes over a connected stream (Unix domain sockets, Windows
 * named pipes): the handshake, the framing of {@code docs/wire-format.md}, shared-memory payloads, the connection's
 * state machine, time-outs and error mapping, written once above the narrow {@link
 * dev.packetipc.spi.stream.StreamChannel} seam.
 */
package dev.packetipc.spi.stream;
