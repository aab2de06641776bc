package dev.packetipc.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.BaseTSD;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinNT;
import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.Packet;
import dev.packetipc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * On real Windows: the client's view of a section is unmapped ({@code UnmapViewOfFile}) when the client is closed, not
 * at a garbage collection. {@code VirtualQuery} tells whether the view's memory is still a mapped view. The emulated
 * counterpart, which runs everywhere, is {@code PipeServerTest.theClientsViewsAreUnmappedWhenItClosesNotAtAGarbageCollection}.
 */
@EnabledOnOs(OS.WINDOWS)
@Timeout(120)
class UnmapAtCloseOnWindowsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void theClientsViewOfTheSectionIsUnmappedWhenItCloses() throws Exception {
        WindowsPipeTransport transport = new WindowsPipeTransport();
        transport.ensureAvailable();
        try (Server server = transport.newServer()) {
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return transport.connect(server.name());
                } catch (IpcException e) {
                    throw new CompletionException(e);
                }
            });
            try (Connection connection = server.accept(WAIT)) {
                Client client = connecting.get(30, TimeUnit.SECONDS);
                List<Long> addresses = new ArrayList<>();
                try {
                    connection.send(List.of(Packet.of(42, new byte[200_000]))); // through the section
                    assertEquals(
                            1,
                            client.poll(
                                    packet -> addresses.add(
                                            Pointer.nativeValue(Native.getDirectBufferPointer(packet.data()))),
                                    8,
                                    WAIT));
                    assertEquals(1, addresses.size());
                    WinNT.MEMORY_BASIC_INFORMATION before = query(addresses.get(0));
                    assertEquals(WinNT.MEM_MAPPED, before.type.intValue(), "the payload is not in a mapped view");
                    assertEquals(WinNT.MEM_COMMIT, before.state.intValue());
                } finally {
                    client.close();
                }
                // no garbage collection is asked for: the view must be gone because the client closed
                WinNT.MEMORY_BASIC_INFORMATION after = query(addresses.get(0));
                assertTrue(
                        after.state.intValue() == WinNT.MEM_FREE || after.type.intValue() != WinNT.MEM_MAPPED,
                        "the closed client's view is still mapped (state " + after.state + ", type " + after.type
                                + ")");
                assertTrue(connection.isOpen());
            }
        }
    }

    private static WinNT.MEMORY_BASIC_INFORMATION query(long address) {
        WinNT.MEMORY_BASIC_INFORMATION info = new WinNT.MEMORY_BASIC_INFORMATION();
        BaseTSD.SIZE_T filled = Kernel32.INSTANCE.VirtualQueryEx(
                Kernel32.INSTANCE.GetCurrentProcess(), new Pointer(address), info, new BaseTSD.SIZE_T(info.size()));
        assertTrue(filled.longValue() > 0, "VirtualQueryEx failed: " + Native.getLastError());
        return info;
    }
}
