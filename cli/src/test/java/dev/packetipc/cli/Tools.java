package dev.packetipc.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** The capture tools some tests need (tcpdump, tshark, capinfos, text2pcap): whether they are on the PATH. */
final class Tools {
    private Tools() {}

    static boolean has(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Why a test that needs these tools cannot run, or null when they are all there. */
    static String missing(String... tools) {
        for (String tool : tools) {
            if (!has(tool)) {
                return "SKIPPED: " + tool + " is not installed (Debian: apt-get install tshark tcpdump;"
                        + " .ci/run installs them when it can)";
            }
        }
        return null;
    }
}
