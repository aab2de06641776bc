package dev.packetipc.windows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.NoSuchServerException;
import dev.packetipc.Packet;
import dev.packetipc.ProtocolException;
import dev.packetipc.Server;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The server, the client's connect and the section shared memory over the emulated Windows, with server and client in
 * two emulated processes: names, the security descriptor, busy pipes, hostile clients and handles, and that every
 * handle, slot and view is released.
 */
class PipeServerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final EmulatedWindows machine = new EmulatedWindows();
    private final EmulatedWin32Pipes serverProcess = machine.newProcess(EmulatedPipeTransport.USER);
    private final EmulatedWin32Pipes clientProcess = machine.newProcess(EmulatedPipeTransport.USER);
    private final WindowsPipeTransport servers = new WindowsPipeTransport(serverProcess);
    private final WindowsPipeTransport clients = new WindowsPipeTransport(clientProcess);

    private static IpcOptions named(String name) {
        return IpcOptions.builder().set(IpcOptions.SERVER_NAME, name).build();
    }

    @Test
    void aChosenNameIsTheServersNameAndCannotBeTakenTwice() throws IpcException {
        try (Server server = servers.newServer(named("my-app"))) {
            assertEquals("pipe://my-app", server.name());
            IpcException e = assertThrows(IpcException.class, () -> servers.newServer(named("pipe://my-app")));
            assertTrue(e.getMessage().contains("exists already"), e.getMessage());
        }
        servers.newServer(named("my-app")).close(); // free again once closed
    }

    @Test
    void aClientOfAnotherUserIsRefusedByTheSecurityDescriptor() throws IpcException {
        EmulatedWin32Pipes stranger = machine.newProcess("S-1-5-21-1004336348-1177238915-682003330-1002");
        try (Server server = servers.newServer()) {
            IpcException e =
                    assertThrows(IpcException.class, () -> new WindowsPipeTransport(stranger).connect(server.name()));
            assertTrue(e.getMessage().contains("admits only the user who started it"), e.getMessage());
        }
        assertEquals(0, stranger.openHandles());
    }

    @Test
    void eachClientGetsItsOwnInstance() throws Exception {
        try (Server server = servers.newServer()) {
            CompletableFuture<Client> first = CompletableFuture.supplyAsync(() -> connect(server.name()));
            try (Connection one = server.accept(WAIT);
                    Client firstClient = first.get(30, TimeUnit.SECONDS)) {
                CompletableFuture<Client> second = CompletableFuture.supplyAsync(() -> connect(server.name()));
                try (Connection two = server.accept(WAIT);
                        Client secondClient = second.get(30, TimeUnit.SECONDS)) {
                    one.send(List.of(Packet.of(1, new byte[] {1})));
                    two.send(List.of(Packet.of(2, new byte[] {2})));
                    assertEquals(
                            1,
                            firstClient
                                    .receivePackets(1, WAIT)
                                    .orElseThrow()
                                    .get(0)
                                    .timestampNanos());
                    assertEquals(
                            2,
                            secondClient
                                    .receivePackets(1, WAIT)
                                    .orElseThrow()
                                    .get(0)
                                    .timestampNanos());
                }
            }
        }
        assertAllReleased();
    }

    private Client connect(String name) {
        try {
            return clients.connect(name);
        } catch (IpcException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPipeThatStaysBusyEndsTheConnectWithATimeout() throws Exception {
        PipeName name = PipeName.forServer("busy");
        long only =
                serverProcess.createPipe(name.path(), true, "D:P(A;;GA;;;" + EmulatedPipeTransport.USER + ")", 4096);
        long squatter = clientProcess.openPipe(name.path()); // takes the only instance
        IpcTimeoutException e = assertThrows(
                IpcTimeoutException.class,
                () -> PipeConnector.open(clientProcess, name, TimeUnit.MILLISECONDS.toNanos(300)));
        assertTrue(e.getMessage().contains("stayed busy"), e.getMessage());
        assertTrue(clientProcess.pipeWaits() > 0, "WaitNamedPipe was never called");
        clientProcess.closeHandle(squatter);
        serverProcess.closeHandle(only);
    }

    @Test
    void aClientWaitsForABusyPipeAndConnectsOnceAnInstanceIsFree() throws Exception {
        PipeName name = PipeName.forServer("busy-then-free");
        String sddl = "D:P(A;;GA;;;" + EmulatedPipeTransport.USER + ")";
        long first = serverProcess.createPipe(name.path(), true, sddl, 4096);
        long squatter = clientProcess.openPipe(name.path());
        CompletableFuture<Long> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return PipeConnector.open(clientProcess, name, TimeUnit.SECONDS.toNanos(30));
            } catch (IpcException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(clientProcess.awaitPipeWait(20, TimeUnit.SECONDS), "the client never waited for the pipe");
        long second = serverProcess.createPipe(name.path(), false, sddl, 4096);
        long client = connecting.get(30, TimeUnit.SECONDS);
        assertEquals(clientProcess.pid(), serverProcess.clientProcessId(second));
        for (long handle : new long[] {client, squatter}) {
            clientProcess.closeHandle(handle);
        }
        serverProcess.closeHandle(first);
        serverProcess.closeHandle(second);
        NoSuchServerException gone = assertThrows(
                NoSuchServerException.class,
                () -> PipeConnector.open(clientProcess, name, TimeUnit.SECONDS.toNanos(5)));
        assertTrue(gone.getMessage().contains("does not exist"), gone.getMessage());
    }

    @Test
    void aSilentClientDelaysNobodyAndCloseEndsItsHandshake() throws Exception {
        IpcOptions patient = IpcOptions.builder()
                .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofMinutes(5))
                .build();
        Server server = servers.newServer(patient);
        long silent = clientProcess.openPipe(PipeName.forClient(server.name()).path()); // never says HELLO
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> connect(server.name()));
        try (Connection connection = server.accept(WAIT);
                Client client = connecting.get(30, TimeUnit.SECONDS)) {
            connection.sendEnd();
            assertEquals(Optional.empty(), client.receivePackets(1, WAIT));
        }
        server.close(); // ends the silent client's handshake, which would otherwise wait five minutes
        PipeStreamChannel silentChannel = new PipeStreamChannel(clientProcess, silent);
        assertEquals(-1, silentChannel.read(ByteBuffer.allocate(64), TimeUnit.SECONDS.toNanos(20)));
        silentChannel.close();
        assertAllReleased();
    }

    @Test
    void aServerThatCannotCreateMoreInstancesSaysSoInAccept() throws Exception {
        Server server = servers.newServer();
        serverProcess.failFurtherInstances(Win32Error.ERROR_NOT_ENOUGH_MEMORY);
        CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> connect(server.name()));
        IpcException failure = null;
        for (int i = 0; i < 2 && failure == null; i++) { // the one client may come first
            try {
                server.accept(WAIT).close();
            } catch (IpcException e) {
                failure = e;
            }
        }
        assertTrue(failure != null && failure.getMessage().contains("cannot listen for more clients"), "" + failure);
        assertTrue(failure.getMessage().contains("ERROR_NOT_ENOUGH_MEMORY (8)"), failure.getMessage());
        server.close();
        connecting
                .handle((client, e) -> {
                    if (client != null) {
                        client.close();
                    }
                    return null;
                })
                .get(30, TimeUnit.SECONDS);
        assertAllReleased();
    }

    @Test
    void aClientThatSendsGarbageIsDroppedAndTheNextOneServed() throws Exception {
        try (Server server = servers.newServer()) {
            PipeStreamChannel hostile = new PipeStreamChannel(
                    clientProcess,
                    clientProcess.openPipe(PipeName.forClient(server.name()).path()));
            byte[] garbage = new byte[64];
            new Random(7).nextBytes(garbage);
            hostile.write(new ByteBuffer[] {ByteBuffer.wrap(garbage)}, TimeUnit.SECONDS.toNanos(10));
            CompletableFuture<Connection> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept(WAIT);
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            });
            // the hostile client is answered with REJECT and closed: it reads to the end
            ByteBuffer answer = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (hostile.read(answer, TimeUnit.SECONDS.toNanos(1)) >= 0) {
                assertTrue(System.nanoTime() < deadline, "the hostile client was never closed");
            }
            assertTrue(answer.position() >= 8, "no REJECT frame came");
            hostile.close();
            try (Client good = clients.connect(server.name());
                    Connection connection = accepted.get(30, TimeUnit.SECONDS)) {
                connection.send(List.of(Packet.of(5, new byte[] {5})));
                connection.sendEnd();
                assertEquals(
                        5, good.receivePackets(8, WAIT).orElseThrow().get(0).timestampNanos());
            }
        }
        assertAllReleased();
    }

    @Test
    void largePayloadsTravelThroughASectionDuplicatedReadOnlyIntoTheClient() throws Exception {
        byte[] payload = new byte[200_000];
        new Random(11).nextBytes(payload);
        try (Server server = servers.newServer()) {
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> connect(server.name()));
            try (Connection connection = server.accept(WAIT);
                    Client client = connecting.get(30, TimeUnit.SECONDS)) {
                connection.send(List.of(Packet.of(42, payload)));
                connection.sendEnd();
                List<Boolean> readOnly = new ArrayList<>();
                List<byte[]> received = new ArrayList<>();
                assertEquals(
                        1,
                        client.poll(
                                packet -> {
                                    readOnly.add(packet.data().isReadOnly());
                                    received.add(packet.toByteArray());
                                },
                                8,
                                WAIT));
                assertEquals(List.of(true), readOnly);
                assertArrayEquals(payload, received.get(0));
                // two sections: the packet ring's (on by default, wire format §7) and the payloads'
                assertEquals(2, clientProcess.mappedViews(), "the client should have mapped the sections");
                assertEquals(
                        1, clientProcess.openHandles(), "only the pipe: the sections' handles are closed once mapped");
                assertEquals(2, serverProcess.mappedViews());
                assertEquals(Optional.empty(), client.receivePackets(8, WAIT));
            }
        }
        assertAllReleased();
    }

    @Test
    void theClientsViewsAreUnmappedWhenItClosesNotAtAGarbageCollection() throws Exception {
        byte[] payload = new byte[200_000];
        try (Server server = servers.newServer()) {
            CompletableFuture<Client> connecting = CompletableFuture.supplyAsync(() -> connect(server.name()));
            try (Connection connection = server.accept(WAIT)) {
                Client client = connecting.get(30, TimeUnit.SECONDS);
                try {
                    connection.send(List.of(Packet.of(42, payload)));
                    assertEquals(1, client.poll(packet -> {}, 8, WAIT));
                    assertEquals(2, clientProcess.mappedViews(), "the ring's and the payloads' sections");
                } finally {
                    client.close();
                }
                // the emulation holds every view it mapped, so no garbage collection can unmap these: only close
                assertEquals(0, clientProcess.mappedViews(), "the closed client's views are still mapped");
                assertTrue(connection.isOpen());
                assertEquals(2, serverProcess.mappedViews(), "the server's views go with its connection");
            }
            assertEquals(0, serverProcess.mappedViews(), "the closed connection's views are still mapped");
        }
        assertAllReleased();
    }

    @Test
    void aRegionFrameNamingNoSectionIsAProtocolError() throws Exception {
        SectionSharedMemory memory = new SectionSharedMemory(clientProcess);
        long pipe = serverProcess.createPipe("\\\\.\\pipe\\x", true, "D:P(A;;GA;;;SY)", 4096);
        ProtocolException e = assertThrows(ProtocolException.class, () -> memory.open(null, (int) pipe, 4096));
        assertTrue(e.getMessage().contains("does not map 4096 bytes"), e.getMessage());
        serverProcess.closeHandle(pipe);
    }

    @Test
    void theSectionCannotBeMappedWritableByTheClient() throws IOException {
        SectionSharedMemory memory = new SectionSharedMemory(serverProcess);
        try (var region = memory.create(1 << 16)) {
            long process = serverProcess.openProcess(clientProcess.pid());
            long section = serverProcess.duplicateSectionInto(process, sectionOf(region));
            serverProcess.closeHandle(process);
            Win32Error e = assertThrows(Win32Error.class, () -> clientProcess.mapView(section, 1 << 16, true));
            assertEquals(Win32Error.ERROR_ACCESS_DENIED, e.code());
            clientProcess.closeHandle(section);
        }
        assertEquals(0, serverProcess.openHandles());
        assertEquals(0, serverProcess.mappedViews());
    }

    @Test
    void aClientProcessThatCannotBeOpenedGetsNoSectionAndAClearError() throws IOException {
        EmulatedWin32Pipes elevated = machine.newProcess("S-1-5-21-1004336348-1177238915-682003330-1003");
        String path = "\\\\.\\pipe\\share-test";
        long instance = serverProcess.createPipe(
                path, true, "D:P(A;;GA;;;S-1-5-21-1004336348-1177238915-682003330-1003)", 4096);
        long client = elevated.openPipe(path);
        PipeStreamChannel channel = new PipeStreamChannel(serverProcess, instance);
        SectionSharedMemory memory = new SectionSharedMemory(serverProcess);
        try (var region = memory.create(4096)) {
            IpcException e = assertThrows(IpcException.class, () -> memory.share(region, channel));
            assertTrue(e.getMessage().contains("SHARED_MEMORY_BYTES to 0"), e.getMessage());
        }
        channel.close();
        elevated.closeHandle(client);
        assertEquals(0, serverProcess.openHandles());
        assertEquals(0, elevated.openHandles());
    }

    /** The server's handle of a region: the only section handle in the server process. */
    private long sectionOf(Object region) {
        for (long handle = 0x100; handle < 0x10000; handle += 4) {
            try {
                serverProcess.unmapView(serverProcess.addressOf(serverProcess.mapView(handle, 1, false)));
                return handle;
            } catch (Win32Error notASection) {
                // next
            }
        }
        throw new AssertionError("no section in the server process: " + region);
    }

    private void assertAllReleased() {
        assertEquals(0, serverProcess.openHandles(), "server handles left open");
        assertEquals(0, serverProcess.openSlots(), "server I/O slots left");
        assertEquals(0, serverProcess.mappedViews(), "server views left mapped");
        assertEquals(0, clientProcess.openHandles(), "client handles left open");
        assertEquals(0, clientProcess.openSlots(), "client I/O slots left");
        assertEquals(0, clientProcess.mappedViews(), "client views left mapped");
    }
}
