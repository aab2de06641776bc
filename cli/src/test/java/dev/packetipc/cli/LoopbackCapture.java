package dev.packetipc.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Makes real captures for the tests: tcpdump (pcap) or tshark (pcapng) records UDP datagrams this process sends to
 * itself on the loopback interface. Where capturing is not allowed, text2pcap writes an equivalent capture.
 */
final class LoopbackCapture {
    /** Packets per capture. */
    static final int PACKETS = 25;

    private LoopbackCapture() {}

    /** What was made, and how. */
    record Made(Path file, String how) {}

    /**
     * Captures {@link #PACKETS} datagrams with {@code tool} ("tcpdump" or "tshark") into {@code file}, or, when that
     * fails, generates them with text2pcap and says so in {@link Made#how()}.
     */
    static Made make(String tool, Path file) throws Exception {
        String failure = capture(tool, file);
        if (failure == null) {
            return new Made(file, tool + " on lo");
        }
        generate(tool.equals("tshark"), file);
        return new Made(file, "text2pcap, because " + tool + " could not capture here: " + failure);
    }

    /** Runs the capture; returns null on success, else why it failed. */
    private static String capture(String tool, Path file) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramSocket receiver = new DatagramSocket(0, loopback);
                DatagramSocket sender = new DatagramSocket()) {
            String filter = "udp and dst port " + receiver.getLocalPort();
            List<String> command = tool.equals("tcpdump")
                    ? List.of("tcpdump", "-i", "lo", "-U", "-n", "-c", "" + PACKETS, "-w", file.toString(), filter)
                    : List.of("tshark", "-i", "lo", "-c", "" + PACKETS, "-w", file.toString(), "-f", filter);
            Process process = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            StringBuffer errors = new StringBuffer();
            CompletableFuture<Boolean> listening = new CompletableFuture<>();
            Thread reader = new Thread(() -> readUntilListening(process, errors, listening), tool + " stderr");
            reader.setDaemon(true);
            reader.start();
            if (!listening.get(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.waitFor(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                process.destroyForcibly();
                return "exit code " + process.exitValue() + ": "
                        + errors.toString().trim();
            }
            // Send until the tool has its packets and stops; the wait between sends is the pace, bounded in count.
            for (int i = 0; i < 20 * PACKETS && process.isAlive(); i++) {
                byte[] payload = payload(i);
                sender.send(new DatagramPacket(payload, payload.length, loopback, receiver.getLocalPort()));
                process.waitFor(20, TimeUnit.MILLISECONDS);
            }
            if (!process.waitFor(Cli.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "it did not stop after " + PACKETS + " packets: "
                        + errors.toString().trim();
            }
            reader.join(TimeUnit.SECONDS.toMillis(Cli.TIMEOUT_SECONDS));
            if (process.exitValue() != 0 || !Files.isRegularFile(file)) {
                return "exit code " + process.exitValue() + ": "
                        + errors.toString().trim();
            }
            return null;
        }
    }

    private static void readUntilListening(Process process, StringBuffer errors, CompletableFuture<Boolean> done) {
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                errors.append(line).append('\n');
                if (line.contains("listening on") || line.contains("Capturing on")) {
                    done.complete(true);
                }
            }
        } catch (IOException e) {
            errors.append(e);
        }
        done.complete(false);
    }

    /** Datagram {@code i}: sizes from 1 to 1400 bytes, contents that differ per packet. */
    static byte[] payload(int i) {
        byte[] payload = new byte[1 + (i * 397) % 1400];
        for (int j = 0; j < payload.length; j++) {
            payload[j] = (byte) (i * 31 + j);
        }
        return payload;
    }

    /** Writes {@link #PACKETS} UDP-over-IPv4-over-Ethernet packets with text2pcap, in pcap or pcapng. */
    static void generate(boolean pcapng, Path file) throws Exception {
        Path dump = Files.createTempFile("packet-ipc-text2pcap", ".txt");
        try {
            List<String> text = new ArrayList<>();
            for (int i = 0; i < PACKETS; i++) {
                text.add(String.format("2026-11-23 07:%02d:%02d.%06d", i / 60, i % 60, 1000 * i + 7));
                byte[] payload = payload(i);
                for (int at = 0; at < payload.length; at += 16) {
                    StringBuilder line = new StringBuilder(String.format("%06x", at));
                    for (int j = at; j < Math.min(at + 16, payload.length); j++) {
                        line.append(String.format(" %02x", payload[j] & 0xff));
                    }
                    text.add(line.toString());
                }
            }
            Files.write(dump, text);
            List<String> command = new ArrayList<>(List.of(
                    "text2pcap", "-q", "-t", "%Y-%m-%d %H:%M:%S.%f", "-4", "127.0.0.1,127.0.0.1", "-u", "40000,40001"));
            if (pcapng) {
                command.add("-n");
            }
            command.add(dump.toString());
            command.add(file.toString());
            Cli.Result result = Cli.finish(new ProcessBuilder(command).start());
            if (result.exitCode() != 0) {
                throw new IOException("text2pcap failed: " + result);
            }
        } finally {
            Files.deleteIfExists(dump);
        }
    }
}
