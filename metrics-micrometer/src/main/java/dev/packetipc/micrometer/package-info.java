/**
 * Micrometer bindings for packet-ipc's counters. {@link dev.packetipc.micrometer.FlowFanoutMetrics} binds a flow
 * fan-out's per-worker counters; every meter's name starts with {@code packetipc.}, so that the bindings for
 * connections and clients can join them under the same prefix.
 */
package dev.packetipc.micrometer;
