package dev.packetipc.cli;

import dev.packetipc.PacketIpc;
import dev.packetipc.TransportCapability;
import dev.packetipc.TransportStatus;
import java.util.ArrayList;
import java.util.List;

/** The transports this command can use, as a short table: one line each, the id and available or why not. */
final class Transports {
    /** The longest reason shown in the table; doctor shows the whole of it. */
    private static final int MAX_REASON = 72;

    private Transports() {}

    /** Whether the transport carries packets between processes (what every command but the tests needs). */
    static boolean crossProcess(TransportStatus status) {
        return status.capabilities().contains(TransportCapability.CROSS_PROCESS);
    }

    /** The table of the transports between processes found here, each line indented by two spaces. */
    static List<String> table() {
        List<String> lines = new ArrayList<>();
        List<TransportStatus> statuses = PacketIpc.availableTransports();
        int width = 4;
        for (TransportStatus status : statuses) {
            width = Math.max(width, status.id().length());
        }
        for (TransportStatus status : statuses) {
            if (status.transport().isPresent() && !crossProcess(status)) {
                continue; // within one JVM only (inprocess): of no use to a command
            }
            lines.add("  " + pad(status.id(), width + 2) + state(status));
        }
        return lines;
    }

    /** "available", or "not available: REASON" with the reason cut at its first clause. */
    static String state(TransportStatus status) {
        if (status.isAvailable()) {
            return "available";
        }
        String reason = ErrorReporter.oneLine(status.unavailabilityCause().orElseThrow());
        int semicolon = reason.indexOf(';');
        if (semicolon > 0) {
            reason = reason.substring(0, semicolon);
        }
        if (reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON - 3) + "...";
        }
        return (status.transport().isPresent() ? "not available: " : "failed to load: ") + reason;
    }

    static String pad(String text, int width) {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
}
