package dev.packetipc.windows;

import java.util.regex.Pattern;

/**
 * The security descriptor every pipe instance gets, in SDDL: a protected DACL (no inherited entries) that grants full
 * access to SYSTEM and to the user running the server, and to nobody else. Remote clients are refused by the pipe
 * mode ({@code PIPE_REJECT_REMOTE_CLIENTS}) on top of that.
 */
final class SecurityDescriptors {
    private static final Pattern SID = Pattern.compile("S-1(-\\d+){1,15}");

    private SecurityDescriptors() {}

    /**
     * {@code D:P(A;;GA;;;SY)(A;;GA;;;<sid>)}: a protected DACL allowing generic-all to the local system and to {@code
     * userSid}.
     *
     * @throws IllegalArgumentException if {@code userSid} is not a SID in string form
     */
    static String currentUserOnly(String userSid) {
        if (userSid == null || !SID.matcher(userSid).matches()) {
            throw new IllegalArgumentException("not a SID in string form (S-1-...): " + userSid);
        }
        return "D:P(A;;GA;;;SY)(A;;GA;;;" + userSid + ")";
    }
}
