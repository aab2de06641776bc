package dev.packetipc;

import java.util.Optional;
import java.util.Set;

/**
 * What discovery found about one transport provider: its id, whether it can run here and why not.
 *
 * @param id the transport's id, or the provider's class name when it failed to load
 * @param providerClass the provider's class name
 * @param priority the selection priority (0 for a provider that failed to load)
 * @param capabilities the declared capabilities (empty for a provider that failed to load)
 * @param transport the transport, or empty when the provider failed to load
 * @param unavailabilityCause why it cannot be used here, or empty when it can
 */
public record TransportStatus(
        String id,
        String providerClass,
        int priority,
        Set<TransportCapability> capabilities,
        Optional<IpcTransport> transport,
        Optional<Throwable> unavailabilityCause) {

    /**
     * Whether the transport can be used here.
     *
     * @return true if the provider loaded and has no unavailability cause
     */
    public boolean isAvailable() {
        return transport.isPresent() && unavailabilityCause.isEmpty();
    }

    /**
     * One line for diagnostics: id, provider, and availability or its cause.
     *
     * @return the line, without a line break
     */
    public String describe() {
        String state = unavailabilityCause
                .map(t -> "unavailable: " + t.getMessage())
                .orElse("available, priority " + priority + ", " + capabilities);
        return id + " (" + providerClass + ") " + state;
    }
}
