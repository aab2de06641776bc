/**
 * Flow fan-out: one packet stream split across several workers by flow, both directions of a flow at one worker, in
 * order, with consistent (rendezvous) hashing when a worker is lost. Start at {@link dev.packetipc.flow.FlowFanout};
 * the flow key is {@link dev.packetipc.flow.FlowHash}.
 */
package dev.packetipc.flow;
