package dev.packetipc.shm;

import java.util.Map;

/**
 * Turns off Chronicle's usage analytics, its announcer banner and its disk monitor. Must run before any Chronicle
 * class loads; a value the user set explicitly is never overridden.
 */
final class ChronicleSettings {
    /** The properties and the values packet-ipc gives them when the user has not chosen. */
    static final Map<String, String> DEFAULTS = Map.of(
            "chronicle.analytics.disable", "true",
            "chronicle.announcer.disable", "true",
            "chronicle.disk.monitor.disable", "true");

    private ChronicleSettings() {}

    /** Sets each property that is not set yet. Idempotent and cheap. */
    static void apply() {
        DEFAULTS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }
}
