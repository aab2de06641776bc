/**
 * The {@code shm} transport: packets between JVMs on one host through Chronicle Queue files, one queue per
 * connection and one document per batch, with mapped control files for liveness, backpressure and retention.
 * {@link dev.packetipc.shm.ShmTransport} is the provider; {@link dev.packetipc.shm.ShmOptions} holds its own
 * options. The files and the byte layout are described in {@code docs/shm-layout.md}.
 */
package dev.packetipc.shm;
