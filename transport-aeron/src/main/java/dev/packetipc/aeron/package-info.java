/**
 * The {@code aeron} transport: the packet-ipc API over Aeron, for packets that must leave the host (UDP) or, on one
 * host, through a shared media driver ({@code aeron:ipc}). See {@link dev.packetipc.aeron.AeronTransport}.
 */
package dev.packetipc.aeron;
