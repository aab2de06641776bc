package dev.packetipc.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.Server;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Server names: the port a name asks for, a port that is taken, and a name taken twice in one process. */
class ServerNameTest {
    private static IpcOptions named(String name) {
        return IpcOptions.builder().set(IpcOptions.SERVER_NAME, name).build();
    }

    @Test
    void anExplicitPortIsKeptAndPortZeroIsResolved() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = probe.getLocalPort();
        }
        String name = "aeron:udp?endpoint=127.0.0.1:" + port;
        try (Server server = new AeronTransport().newServer(named(name))) {
            assertEquals(name, server.name());
        }
        try (Server server = new AeronTransport().newServer(named("aeron:udp?endpoint=127.0.0.1:0"))) {
            assertTrue(server.name().matches("aeron:udp\\?endpoint=127\\.0\\.0\\.1:[1-9][0-9]*"), server.name());
        }
    }

    @Test
    void aPortTakenByAnotherSocketFailsWithTheReason() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            String name = "aeron:udp?endpoint=127.0.0.1:" + taken.getLocalPort();
            IpcException e = assertThrows(IpcException.class, () -> new AeronTransport().newServer(named(name)));
            assertTrue(e.getMessage().contains("cannot listen on the Aeron channel " + name), e.getMessage());
            assertTrue(e.getMessage().contains("port free"), e.getMessage());
        }
    }

    @Test
    void aNameTakenTwiceInOneProcessIsRefused() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = probe.getLocalPort();
        }
        try (Server first = new AeronTransport().newServer(named("aeron:udp?endpoint=127.0.0.1:" + port))) {
            IpcException e =
                    assertThrows(IpcException.class, () -> new AeronTransport().newServer(named(first.name())));
            assertTrue(e.getMessage().contains("already listens"), e.getMessage());
        }
    }

    @Test
    void multicastNamesAreRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new AeronTransport().newServer(named("aeron:udp?endpoint=239.1.2.3:40456")));
        assertTrue(e.getMessage().contains("multicast"), e.getMessage());
    }
}
