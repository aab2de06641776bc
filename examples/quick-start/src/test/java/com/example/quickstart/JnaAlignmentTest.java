package com.example.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A user who imports the BOM and takes {@code transport-unix} and {@code transport-shm} must get one JNA: {@code jna}
 * and {@code jna-platform} of the same version. Chronicle's {@code posix} asks for an old {@code jna-platform}; the
 * transports declare the pair themselves so that Maven's nearest-wins rule picks ours. This project resolves its
 * class path exactly as a user's build does, so the test reads the jars on it.
 */
class JnaAlignmentTest {
    private static final Pattern JNA_JAR = Pattern.compile("(jna|jna-platform)-(\\d[^/\\\\]*)\\.jar$");

    @Test
    void jnaAndJnaPlatformOnAUsersClassPathHaveTheSameVersion() {
        Map<String, String> versions = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Matcher jar = JNA_JAR.matcher(entry);
            if (jar.find()) {
                versions.put(jar.group(1), jar.group(2));
            }
        }
        assertTrue(versions.containsKey("jna") && versions.containsKey("jna-platform"), "class path: " + versions);
        assertEquals(versions.get("jna"), versions.get("jna-platform"), "mismatched JNA pair: " + versions);
    }
}
