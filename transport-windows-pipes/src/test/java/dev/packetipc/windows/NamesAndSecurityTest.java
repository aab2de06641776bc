package dev.packetipc.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Server names and the security descriptor, as pure functions. */
class NamesAndSecurityTest {
    @Test
    void freshNamesArePipeNamesUnderOurPrefixAndDiffer() {
        PipeName a = PipeName.random();
        PipeName b = PipeName.random();
        assertTrue(a.serverName().matches("pipe://packet-ipc-[0-9a-f]{16}"), a.serverName());
        assertEquals("\\\\.\\pipe\\" + a.serverName().substring("pipe://".length()), a.path());
        assertNotEquals(a.serverName(), b.serverName());
    }

    @Test
    void aChosenNameMayBeBareOrAPipeNameOrAPath() throws IpcException {
        for (String chosen : new String[] {"my-app", "pipe://my-app", "\\\\.\\pipe\\my-app", "\\\\.\\PIPE\\my-app"}) {
            PipeName name = PipeName.forServer(chosen);
            assertEquals("pipe://my-app", name.serverName(), chosen);
            assertEquals("\\\\.\\pipe\\my-app", name.path(), chosen);
        }
    }

    @Test
    void badNamesAreRefusedWithAReason() {
        IpcException backslash = assertThrows(IpcException.class, () -> PipeName.forServer("a\\b"));
        assertTrue(backslash.getMessage().contains("backslash"), backslash.getMessage());
        IpcException empty = assertThrows(IpcException.class, () -> PipeName.forServer("pipe://"));
        assertTrue(empty.getMessage().contains("non-empty"), empty.getMessage());
        IpcException tooLong = assertThrows(IpcException.class, () -> PipeName.forServer("x".repeat(300)));
        assertTrue(tooLong.getMessage().contains("at most 256"), tooLong.getMessage());
        IpcException notPipe = assertThrows(IpcException.class, () -> PipeName.forClient("unix:///tmp/x.sock"));
        assertTrue(notPipe.getMessage().contains("not a named-pipe server name"), notPipe.getMessage());
    }

    @Test
    void theLongestAllowedNameFillsThePath() throws IpcException {
        String name = "x".repeat(PipeName.MAX_PATH_CHARS - PipeName.PIPE_DIRECTORY.length());
        assertEquals(PipeName.MAX_PATH_CHARS, PipeName.forServer(name).path().length());
    }

    @Test
    void theDescriptorAdmitsSystemAndTheUserOnlyWithAProtectedDacl() {
        String sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        String sddl = SecurityDescriptors.currentUserOnly(sid);
        assertEquals("D:P(A;;GA;;;SY)(A;;GA;;;" + sid + ")", sddl);
        assertEquals(Set.of(EmulatedWindows.SYSTEM_SID, sid), EmulatedWindows.allowedUsers(sddl));
    }

    @Test
    void theDescriptorRefusesWhatIsNotASid() {
        for (String bad : new String[] {null, "", "WD", "S-1", "S-1-5-21)(A;;GA;;;WD", "s-1-5-18"}) {
            assertThrows(IllegalArgumentException.class, () -> SecurityDescriptors.currentUserOnly(bad), bad);
        }
    }
}
