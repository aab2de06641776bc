/**
 * Micrometer bindings for packet-ipc's counters: {@link dev.packetipc.micrometer.ConnectionMetricsBinder} binds a
 * connection's, {@link dev.packetipc.micrometer.ClientMetricsBinder} a client's, and
 * {@link dev.packetipc.micrometer.FlowFanoutMetrics} a flow fan-out's per-worker counters. Every meter's name starts
 * with {@code packetipc.}.
 */
package dev.packetipc.micrometer;
