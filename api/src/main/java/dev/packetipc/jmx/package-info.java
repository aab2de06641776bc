/**
 * JMX views of servers, connections and clients, registered only when {@link dev.packetipc.IpcOptions#JMX} is set:
 * {@link dev.packetipc.jmx.ServerMXBean}, {@link dev.packetipc.jmx.ConnectionMXBean} and
 * {@link dev.packetipc.jmx.ClientMXBean}, under the names {@link dev.packetipc.jmx.IpcMBeans} documents. The flow
 * fan-out's own MXBean is {@link dev.packetipc.flow.FlowFanoutMXBean}.
 */
package dev.packetipc.jmx;
