package dev.packetipc.cli;

import dev.packetipc.cli.pcap.CaptureReader;
import dev.packetipc.cli.pcap.CapturedPacket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Real traffic of many flows for the flow fan-out test: tcpdump records TCP connections (a request and an answer
 * each) and UDP flows (a datagram each way, twice, each flow from its own source port) that this process makes to
 * itself on the loopback interface. Every wait is bounded.
 */
final class LoopbackFlows {
    private LoopbackFlows() {}

    /**
     * Captures {@code tcp} TCP connections and {@code udp} UDP flows into {@code file}; returns null, or why tcpdump
     * could not capture here.
     */
    static String capture(Path file, int tcp, int udp) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, tcp, loopback);
                DatagramSocket receiver = new DatagramSocket(0, loopback)) {
            String filter = "tcp port " + server.getLocalPort() + " or udp port " + receiver.getLocalPort();
            Process tcpdump = new ProcessBuilder("tcpdump", "-i", "lo", "-U", "-n", "-w", file.toString(), filter)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            StringBuffer errors = new StringBuffer();
            CompletableFuture<Boolean> listening = new CompletableFuture<>();
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader lines = new BufferedReader(
                                new InputStreamReader(tcpdump.getErrorStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = lines.readLine()) != null) {
                                errors.append(line).append('\n');
                                if (line.contains("listening on")) {
                                    listening.complete(true);
                                }
                            }
                        } catch (IOException e) {
                            errors.append(e);
                        }
                        listening.complete(false);
                    },
                    "tcpdump stderr");
            reader.setDaemon(true);
            reader.start();
            try {
                if (!listening.get(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    tcpdump.waitFor(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return "exit code " + tcpdump.exitValue() + ": "
                            + errors.toString().trim();
                }
                traffic(server, receiver, tcp, udp);
            } finally {
                if (tcpdump.isAlive()) {
                    Cli.signal(tcpdump.pid(), "INT"); // tcpdump finishes its file on SIGINT
                }
                if (!tcpdump.waitFor(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    tcpdump.destroyForcibly();
                }
            }
            reader.join(TimeUnit.SECONDS.toMillis(Cli.TIMEOUT_SECONDS));
            if (!Files.isRegularFile(file) || Files.size(file) <= 24) {
                return "no packets captured (exit code " + tcpdump.exitValue() + "): "
                        + errors.toString().trim();
            }
            return null;
        }
    }

    /** The connections and datagrams; each TCP client waits for its answer, each UDP sender for its two replies. */
    private static void traffic(ServerSocket server, DatagramSocket receiver, int tcp, int udp) throws Exception {
        int timeout = (int) TimeUnit.SECONDS.toMillis(Cli.TIMEOUT_SECONDS);
        CompletableFuture<Void> answering = Cli.onThread("tcp answers", () -> {
            try {
                server.setSoTimeout(timeout);
                for (int i = 0; i < tcp; i++) {
                    try (Socket socket = server.accept()) {
                        socket.setSoTimeout(timeout);
                        byte[] request = socket.getInputStream().readNBytes(16);
                        socket.getOutputStream().write(request);
                    }
                }
                return null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        for (int i = 0; i < tcp; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), timeout);
                socket.setSoTimeout(timeout);
                OutputStream out = socket.getOutputStream();
                out.write(ByteBuffer.allocate(16)
                        .putInt(i)
                        .putInt(~i)
                        .putLong(i * 31L)
                        .array());
                InputStream in = socket.getInputStream();
                if (in.readNBytes(16).length != 16) {
                    throw new IOException("connection " + i + " got no answer");
                }
            }
        }
        answering.get(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        receiver.setSoTimeout(timeout);
        List<DatagramSocket> senders = new ArrayList<>();
        try {
            for (int i = 0; i < udp; i++) {
                DatagramSocket sender = new DatagramSocket(0, receiver.getLocalAddress());
                sender.setSoTimeout(timeout);
                senders.add(sender);
            }
            byte[] buffer = new byte[64];
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < udp; i++) {
                    byte[] payload = ByteBuffer.allocate(12)
                            .putInt(i)
                            .putInt(round)
                            .putInt(~i)
                            .array();
                    senders.get(i)
                            .send(new DatagramPacket(
                                    payload, payload.length, receiver.getLocalAddress(), receiver.getLocalPort()));
                    DatagramPacket got = new DatagramPacket(buffer, buffer.length);
                    receiver.receive(got);
                    receiver.send(
                            new DatagramPacket(buffer, got.getLength(), got.getAddress(), got.getPort())); // the answer
                    senders.get(i).receive(new DatagramPacket(new byte[64], 64));
                }
            }
        } finally {
            senders.forEach(DatagramSocket::close);
        }
    }

    /**
     * The capture's packets and their flows: IPv4 TCP and UDP by protocol and both endpoints (address and port) in
     * a fixed order, so that both directions are one flow; anything else is -1.
     */
    static FlowFanoutEndToEndTest.Synthetic read(Path file) throws IOException {
        List<CapturedPacket> packets = new ArrayList<>();
        List<Integer> flows = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        try (CaptureReader reader = CaptureReader.open(file.toString())) {
            CapturedPacket packet;
            while ((packet = reader.next()) != null) {
                packets.add(packet);
                String key = key(packet.bytes());
                flows.add(key == null ? -1 : ids.computeIfAbsent(key, k -> ids.size()));
            }
        }
        return new FlowFanoutEndToEndTest.Synthetic(packets, flows, ids.size());
    }

    /** The flow of an Ethernet frame, or null when it is not IPv4 TCP or UDP. */
    private static String key(byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        if (frame.length < 14 + 20 || b.getShort(12) != 0x0800) {
            return null;
        }
        int ihl = (b.get(14) & 0x0F) * 4;
        int protocol = b.get(14 + 9) & 0xFF;
        if ((protocol != 6 && protocol != 17) || frame.length < 14 + ihl + 4) {
            return null;
        }
        String src = Integer.toUnsignedString(b.getInt(14 + 12)) + ":" + (b.getShort(14 + ihl) & 0xFFFF);
        String dst = Integer.toUnsignedString(b.getInt(14 + 16)) + ":" + (b.getShort(14 + ihl + 2) & 0xFFFF);
        return protocol + " " + (src.compareTo(dst) < 0 ? src + " " + dst : dst + " " + src);
    }
}
