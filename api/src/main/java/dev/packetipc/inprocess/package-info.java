/**
 * The {@code inprocess} transport: the full contract inside one JVM, for tests (yours and the conformance suite's
 * self-test). It is never chosen automatically; select it with {@code -Dpacketipc.transport=inprocess} or
 * {@code PacketIpc.transport("inprocess")}.
 */
package dev.packetipc.inprocess;
