package dev.packetipc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetipc.Client;
import dev.packetipc.Connection;
import dev.packetipc.IpcException;
import dev.packetipc.IpcOptions;
import dev.packetipc.PacketIpc;
import dev.packetipc.Server;
import dev.packetipc.spi.RuntimeDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may connect, and where files go: another user ({@code nobody}, through {@code setpriv}) can neither connect to
 * a unix server nor read an shm server's files, even with the runtime directory opened to everyone, nor impersonate
 * a unix server; names with traversal are refused before any file is touched; directories and files have owner-only
 * modes after a server started and a client connected. The cross-user tests need root, {@code setpriv} and
 * {@code /usr/bin/python3} and skip with the reason otherwise (CI runs them with sudo).
 */
@ExtendWith(Results.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "uses /proc, kill(1) and Linux file modes; runs on Linux only")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AccessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PYTHON = "/usr/bin/python3";

    /** Connects to a socket path as the other user, sends HELLO, prints what came back. */
    private static final String CONNECT = String.join(
            "\n",
            "import socket, struct, sys",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.settimeout(20)",
            "try:",
            "    s.connect(sys.argv[1])",
            "except OSError as e:",
            "    print('CONNECT_FAILED', e.errno, flush=True); sys.exit(0)",
            "try:",
            "    s.sendall(struct.pack('<IBBH', 24, 1, 0, 0) + struct.pack('<IHHII', 0x43504950, 1, 1, 1048576, 0))",
            "    h = s.recv(8)",
            "except OSError as e:",
            "    print('IO_FAILED', e.errno, flush=True); sys.exit(0)",
            "print('EOF' if len(h) < 8 else 'TYPE %d' % h[4], flush=True)");

    /** Tries to list every directory and read every file given, as the other user. */
    private static final String READ = String.join(
            "\n",
            "import os, sys",
            "for p in sys.argv[1:]:",
            "    try:",
            "        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)",
            "        print('READ', p, flush=True)",
            "    except OSError as e:",
            "        print('DENIED', p, e.errno, flush=True)");

    /** A raw server as the other user: binds, opens the socket to all, answers HELLO with WELCOME. */
    private static final String IMPERSONATE = String.join(
            "\n",
            "import os, socket, struct, sys",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(1)",
            "print('READY', flush=True)",
            "s.settimeout(30)",
            "c, _ = s.accept()",
            "c.recv(24)",
            "c.sendall(struct.pack('<IBBH', 24, 2, 0, 0) + struct.pack('<IHHII', 0x43504950, 1, 0, 1048576, 0))",
            "print('WELCOMED', flush=True)",
            "c.recv(8)");

    private static String savedRuntimeDirectory;
    private static Path runtimeParent;

    /**
     * The runtime directory of these tests lies in a fresh directory under /tmp that everyone may traverse, so that
     * only the transport's own modes keep the other user out (under target/ a parent directory might).
     */
    @BeforeAll
    static void runtimeDirectoryEveryoneCouldReach() throws IOException {
        savedRuntimeDirectory = System.getProperty(RuntimeDirectory.PROPERTY);
        runtimeParent = Files.createTempDirectory(Path.of("/tmp"), "pipc-rel-rt-");
        Files.setPosixFilePermissions(runtimeParent, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.setProperty(
                RuntimeDirectory.PROPERTY, runtimeParent.resolve("rt").toString());
    }

    @AfterAll
    static void restoreRuntimeDirectory() throws IOException {
        if (savedRuntimeDirectory == null) {
            System.clearProperty(RuntimeDirectory.PROPERTY);
        } else {
            System.setProperty(RuntimeDirectory.PROPERTY, savedRuntimeDirectory);
        }
        try (Stream<Path> all = Files.walk(runtimeParent)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void assumeOtherUser() {
        assumeTrue(
                "root".equals(System.getProperty("user.name")) || "0".equals(RuntimeDirectory.userId()),
                "switching to another user needs root (CI runs this module with sudo)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is not installed");
    }

    /** Runs a Python script as uid/gid 65534 ({@code nobody}) and returns its output lines. */
    private static Process asNobody(String script, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(
                List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", PYTHON, "-c", script));
        command.addAll(List.of(arguments));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static List<String> output(Process process) throws Exception {
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the other user's process hung");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .collect(Collectors.toList());
    }

    @ParameterizedTest(name = "runtime directory opened to all: {0}")
    @MethodSource("opened")
    @Proves(
            injects = "user nobody connects to a unix server (HELLO over the socket), runtime directory 0700 or opened"
                    + " to 0755",
            bound = "no WELCOME: the connect is refused or the server rejects/hangs up")
    void anotherUserCannotConnectToAUnixServer(boolean opened) throws Exception {
        assumeOtherUser();
        try (Server server = PacketIpc.transport("unix").newServer();
                Opened open = opened ? new Opened(RuntimeDirectory.path()) : null) {
            assertEquals(opened, open != null);
            String path = server.name().substring("unix://".length());
            CompletableFuture<Connection> accepted = server.acceptAsync();
            List<String> out = output(asNobody(CONNECT, path));
            assertFalse(out.isEmpty(), "no output");
            assertFalse(out.get(0).equals("TYPE 2"), "the other user was welcomed: " + out);
            assertFalse(accepted.isDone() && !accepted.isCompletedExceptionally(), "accept returned a connection");
            accepted.cancel(true);
        }
    }

    static Stream<Boolean> opened() {
        return Stream.of(false, true);
    }

    @ParameterizedTest(name = "runtime directory opened to all: {0}")
    @MethodSource("opened")
    @Proves(
            injects = "user nobody lists and reads every directory and file of an shm server with a client connected",
            bound = "every one denied")
    void anotherUserCannotReadAnShmServersFiles(boolean opened) throws Exception {
        assumeOtherUser();
        try (Server server = PacketIpc.transport("shm").newServer()) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            try (Client client = PacketIpc.connect(server.name());
                    Connection connection = accepted.get(30, TimeUnit.SECONDS);
                    Opened open = opened ? new Opened(RuntimeDirectory.path()) : null) {
                assertEquals(opened, open != null);
                List<String> paths;
                try (Stream<Path> all = Files.walk(Path.of(server.name().substring("shm://".length())))) {
                    paths = all.map(Path::toString).collect(Collectors.toList());
                }
                List<String> out = output(asNobody(READ, paths.toArray(String[]::new)));
                assertEquals(paths.size(), out.size(), "one line per path: " + out);
                assertTrue(out.stream().allMatch(l -> l.startsWith("DENIED")), "the other user read: " + out);
                assertTrue(connection.isOpen() && client.name() != null);
            }
        }
    }

    @Test
    @Proves(
            injects = "a raw server run by user nobody at a socket open to all; a unix client connects to it",
            bound = "the client refuses it with an IpcException (server of another user)")
    void anotherUserCannotImpersonateAUnixServer() throws Exception {
        assumeOtherUser();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "pipc-rel-");
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path socket = dir.resolve("impostor.sock");
            Process impostor = asNobody(IMPERSONATE, socket.toString());
            try {
                String first = new java.io.BufferedReader(
                                new java.io.InputStreamReader(impostor.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                assertEquals("READY", first);
                IpcException e = assertThrows(IpcException.class, () -> {
                    try (Client client = PacketIpc.connect(
                            "unix://" + socket,
                            IpcOptions.builder()
                                    .set(IpcOptions.CONNECT_TIMEOUT, WAIT)
                                    .build())) {
                        client.receivePackets(1, WAIT);
                    }
                });
                assertTrue(e.getMessage().length() > 20, e.getMessage());
            } finally {
                impostor.destroyForcibly();
                impostor.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static Stream<String[]> traversals() {
        String rt = "{rt}"; // replaced by the runtime directory when the test runs (see @BeforeAll)
        return Stream.of(
                new String[] {"unix", "server", "../escape"},
                new String[] {"unix", "server", "a/../escape"},
                new String[] {"shm", "server", "../escape"},
                new String[] {"shm", "server", "a/../escape"},
                new String[] {"shm", "server", "shm://" + rt + "/shm/../../escape"},
                new String[] {"shm", "client", "shm://" + rt + "/shm/../../escape"},
                new String[] {"unix", "client", "unix://" + rt + "/../escape.sock"});
    }

    @ParameterizedTest(name = "{0} {1} name {2}")
    @MethodSource("traversals")
    @Proves(
            injects = "server names (IpcOptions.SERVER_NAME) and client names with '..' segments",
            bound = "refused (IllegalArgumentException or IpcException) and no file created anywhere")
    void namesWithTraversalAreRefusedBeforeAnyFileIsTouched(String transport, String side, String template)
            throws Exception {
        RuntimeDirectory.ensure();
        String name = template.replace("{rt}", RuntimeDirectory.path().toString());
        Path escape = RuntimeDirectory.path().getParent().resolve("escape");
        Path escapeSock = RuntimeDirectory.path().getParent().resolve("escape.sock");
        Set<String> before = Resources.runtimeFiles();
        Exception e = assertThrows(Exception.class, () -> {
            if (side.equals("server")) {
                PacketIpc.transport(transport)
                        .newServer(IpcOptions.builder()
                                .set(IpcOptions.SERVER_NAME, name)
                                .build())
                        .close();
            } else {
                PacketIpc.connect(name).close();
            }
        });
        assertTrue(e instanceof IllegalArgumentException || e instanceof IpcException, "refused with " + e.toString());
        assertFalse(Files.exists(escape) || Files.exists(escapeSock), "a file was created outside: " + escape);
        assertEquals(before, Resources.runtimeFiles(), "files appeared in the runtime directory");
    }

    static Stream<String[]> absoluteTraversals() {
        String rt = "{rt}";
        return Stream.of(
                new String[] {"unix", "server", "unix://" + rt + "/../escape.sock"},
                new String[] {"unix", "server", rt + "/../escape.sock"});
    }

    @ParameterizedTest(name = "{0} {1} name {2}")
    @MethodSource("absoluteTraversals")
    @Proves(
            injects = "unix server names (IpcOptions.SERVER_NAME) that are absolute paths with '..' segments",
            bound = "refused (IllegalArgumentException or IpcException) and no file created anywhere")
    void absoluteUnixNamesWithTraversalAreRefused(String transport, String side, String name) throws Exception {
        namesWithTraversalAreRefusedBeforeAnyFileIsTouched(transport, side, name);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Transports.class,
            names = {"UNIX", "SHM"})
    @Proves(
            injects = "a server started, a client connected and one killed while connecting; every path's mode read",
            bound = "the runtime directory and every directory the transport created: 0700 (no group or other bits);"
                    + " no file writable by group or others; socket files 0600")
    void directoriesAndFilesAreOwnerOnly(Transports transport, TestInfo info) throws Exception {
        try (Server server = PacketIpc.transport(transport.id).newServer()) {
            try (dev.packetipc.conformance.ChildJvm victim =
                    Children.peer("client", server.name(), "read", "0")) { // killed while it starts or connects
                long pid = Children.pid(victim);
                Children.kill(victim, pid);
            }
            CompletableFuture<Connection> accepted = server.acceptAsync();
            try (Client client = PacketIpc.connect(server.name());
                    Connection connection = accepted.get(30, TimeUnit.SECONDS)) {
                List<String> open = new ArrayList<>();
                try (Stream<Path> all = Files.walk(RuntimeDirectory.path())) {
                    for (Path p : all.collect(Collectors.toList())) {
                        Set<PosixFilePermission> mode;
                        try {
                            mode = Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                        } catch (java.nio.file.NoSuchFileException gone) {
                            continue;
                        }
                        boolean directory = Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                        boolean socket = p.getFileName().toString().endsWith(".sock");
                        Set<PosixFilePermission> others = mode.stream()
                                .filter(m -> !m.name().startsWith("OWNER"))
                                .filter(m -> directory || socket || m.name().endsWith("WRITE"))
                                .collect(Collectors.toSet());
                        if (!others.isEmpty() && !p.getFileName().toString().startsWith("rogue-")) {
                            open.add(RuntimeDirectory.path().relativize(p) + " " + PosixFilePermissions.toString(mode));
                        }
                    }
                }
                Results.observe(Results.id(info), "paths open to others: " + open);
                assertTrue(open.isEmpty(), "paths open to group or others: " + open);
                assertTrue(connection.isOpen() && client.name() != null);
            }
        }
    }

    // ---- aeron: what transport-aeron's README promises about other users ----

    /**
     * After every test: this JVM's embedded aeron driver, which closes 2 s after its last user (and may wait up to
     * 10 s for publications to drain), is gone with its directory, so that the mode checks of the other tests do
     * not find it in the runtime directory.
     */
    @AfterEach
    void ownAeronDriverIsGone() throws Exception {
        String prefix = "aeron-" + ProcessHandle.current().pid() + "-";
        long deadline = System.nanoTime() + Resources.AERON_SETTLE.toNanos();
        while (true) {
            List<String> left;
            try (Stream<Path> dirs = Files.list(RuntimeDirectory.ensure())) {
                left = dirs.map(d -> d.getFileName().toString())
                        .filter(n -> n.startsWith(prefix))
                        .collect(Collectors.toList());
            }
            if (left.isEmpty()) {
                return;
            }
            assertTrue(
                    System.nanoTime() - deadline < 0,
                    "the embedded aeron driver's directory " + left + " is still there after "
                            + Resources.AERON_SETTLE);
            Thread.sleep(50); // polling the directory until the deadline above
        }
    }

    /** The embedded media driver's directory of this JVM, under the runtime directory (transport-aeron's README). */
    private static Path aeronDriverDirectory() throws IOException {
        String prefix = "aeron-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> dirs = Files.list(RuntimeDirectory.path())) {
            return dirs.filter(d -> d.getFileName().toString().startsWith(prefix))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(
                            "no embedded aeron driver directory " + prefix + "* in " + RuntimeDirectory.path()
                                    + " (a driver of an earlier test class may still run elsewhere)"));
        }
    }

    /**
     * User nobody lists and reads every directory and file of an aeron server's embedded media driver (its CnC file,
     * the connection's term buffers, which hold the stream's packets) while a client is connected and packets flow.
     */
    private static void anotherUserReadsAnAeronDriversFiles(boolean opened) throws Exception {
        assumeOtherUser();
        try (Server server = PacketIpc.transport("aeron").newServer()) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            try (Client client = PacketIpc.connect(server.name());
                    Connection connection = accepted.get(30, TimeUnit.SECONDS)) {
                connection.send(List.of(Checked.packet(0, 100)), WAIT);
                assertTrue(client.receivePackets(1, WAIT).isPresent());
                Path driver = aeronDriverDirectory();
                try (Opened open = opened ? new Opened(RuntimeDirectory.path()) : null) {
                    assertEquals(opened, open != null);
                    List<String> paths;
                    try (Stream<Path> all = Files.walk(driver)) {
                        paths = all.map(Path::toString).collect(Collectors.toList());
                    }
                    assertTrue(paths.stream().anyMatch(p -> p.endsWith(".logbuffer")), "no term buffers: " + paths);
                    List<String> out = output(asNobody(READ, paths.toArray(String[]::new)));
                    assertEquals(paths.size(), out.size(), "one line per path: " + out);
                    List<String> read =
                            out.stream().filter(l -> l.startsWith("READ")).collect(Collectors.toList());
                    assertTrue(
                            read.isEmpty(), "the other user read " + read.size() + " of " + out.size() + ": " + read);
                }
            }
        }
    }

    @Test
    @Proves(
            injects = "user nobody lists and reads every directory and file of an aeron server's embedded media driver"
                    + " (CnC file, term buffers with the stream's packets) while a client is connected",
            bound = "every one denied: the driver lives in the runtime directory (0700), as transport-aeron's README"
                    + " says")
    void anotherUserCannotReadAnAeronDriversFiles() throws Exception {
        anotherUserReadsAnAeronDriversFiles(false);
    }

    @Test
    @Tag("known-defect")
    @Proves(
            injects = "as above, with the runtime directory opened to 0755 (as a unix server for other users needs)",
            bound = "every one denied, as for shm (aeron's own directories are 0755 and its files 0644)")
    void anotherUserCannotReadAnAeronDriversFilesInAnOpenedRuntimeDirectory() throws Exception {
        anotherUserReadsAnAeronDriversFiles(true);
    }

    /** A copy of this JVM's class path that user nobody can read (the local Maven repository may not be). */
    private static List<String> nobodyClassPath;

    private static synchronized List<String> nobodyClassPath() throws IOException {
        if (nobodyClassPath != null) {
            return nobodyClassPath;
        }
        Path dir = runtimeParent.resolve("cp");
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(entry);
            if (entry.isBlank() || !Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve((i++) + "-" + from.getFileName());
            try (Stream<Path> all = Files.walk(from)) {
                for (Path p : all.collect(Collectors.toList())) {
                    Files.copy(p, to.resolve(from.relativize(p).toString()));
                }
            }
            entries.add(to.toString());
        }
        try (Stream<Path> all = Files.walk(runtimeParent.resolve("cp"))) {
            for (Path p : all.collect(Collectors.toList())) {
                Files.setPosixFilePermissions(
                        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        nobodyClassPath = entries;
        return entries;
    }

    /**
     * Runs {@link Peer} as user nobody in a JVM of its own, with a runtime directory of its own (0700, nobody's), and
     * returns its output once it ended (at most {@code limit}).
     */
    private static List<String> peerAsNobody(Duration limit, String... arguments) throws Exception {
        Path runtime = runtimeParent.resolve("nobody-rt");
        if (!Files.isDirectory(runtime)) {
            Files.createDirectory(runtime);
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
            Files.setAttribute(runtime, "unix:uid", 65534);
            Files.setAttribute(runtime, "unix:gid", 65534);
        }
        List<String> command = new ArrayList<>(List.of(
                "/usr/bin/setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String flag : Children.flags()) {
            if (!flag.startsWith("-D" + RuntimeDirectory.PROPERTY + "=")) {
                command.add(flag);
            }
        }
        command.add("-D" + RuntimeDirectory.PROPERTY + "=" + runtime);
        command.add("-Djava.io.tmpdir=" + runtime);
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, nobodyClassPath()));
        command.add(Peer.class.getName());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            assertTrue(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS), "nobody's client hung for " + limit);
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .collect(Collectors.toList());
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Proves(
            injects =
                    "user nobody, in a JVM of its own, connects to an aeron UDP server on loopback (run by this user)",
            bound = "it is served the whole checked stream: transport-aeron's README says there is no authentication"
                    + " (any host that can reach the port connects)")
    void anotherUserIsServedByAnAeronUdpServer(TestInfo info) throws Exception {
        assumeOtherUser();
        try (Server server = PacketIpc.transport("aeron").newServer()) {
            CompletableFuture<List<String>> client = CompletableFuture.supplyAsync(() -> {
                try {
                    return peerAsNobody(Duration.ofMinutes(2), "client", server.name(), "read", "0");
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            try (Connection connection = server.accept(Duration.ofSeconds(90))) {
                connection.send(Checked.batch(0, 500, 200), WAIT);
                connection.sendEnd(WAIT);
            }
            List<String> out = client.get(3, TimeUnit.MINUTES);
            Results.observe(Results.id(info), "nobody's client printed " + out.subList(1, out.size()));
            assertTrue(out.contains("OK 500"), "the other user's client: " + out);
        }
    }

    @Test
    @Proves(
            injects =
                    "user nobody, in a JVM of its own, connects to an aeron:ipc server (run by this user) by its name,"
                            + " which names the server's media driver directory",
            bound = "its connect fails with an IpcException within 60 s and the server accepts nothing: the driver"
                    + " directory lies in the server user's runtime directory (0700)")
    void anotherUserCannotAttachToAnAeronIpcServer(TestInfo info) throws Exception {
        String failure = anotherUserAttachesToAnAeronIpcServer();
        Results.observe(Results.id(info), "nobody's client: " + failure);
    }

    @Test
    @Tag("known-defect")
    @Proves(
            injects = "as above",
            bound = "the client's exception says why: the driver directory is not accessible to it (another user's),"
                    + " not that the server closed")
    void anotherUserAttachingToAnAeronIpcServerIsToldWhy(TestInfo info) throws Exception {
        String failure = anotherUserAttachesToAnAeronIpcServer();
        Results.observe(Results.id(info), "nobody's client: " + failure);
        assertTrue(
                failure.matches("(?is).*(permission|not accessible|cannot read|another user|owner).*")
                        && !failure.contains("has closed or its process ended"),
                "the message blames a closed server, not the directory's access: " + failure);
    }

    /** User nobody's client connects to a live aeron:ipc server; returns its FAIL line after the checks. */
    private static String anotherUserAttachesToAnAeronIpcServer() throws Exception {
        assumeOtherUser();
        try (Server server = PacketIpc.transport("aeron")
                .newServer(IpcOptions.builder()
                        .set(IpcOptions.SERVER_NAME, "aeron:ipc")
                        .build())) {
            CompletableFuture<Connection> accepted = server.acceptAsync();
            List<String> out = peerAsNobody(Duration.ofSeconds(60), "client", server.name(), "read", "0");
            String failure =
                    out.stream().filter(l -> l.startsWith("FAIL")).findFirst().orElse(null);
            assertTrue(
                    failure != null && failure.matches("FAIL after 0: dev\\.packetipc\\.[A-Za-z]*Exception: .{20,}"),
                    "the other user's client did not fail with an IpcException that says why: " + out);
            assertFalse(out.stream().anyMatch(l -> l.startsWith("CONNECTED")), "the other user connected: " + out);
            assertFalse(accepted.isDone() && !accepted.isCompletedExceptionally(), "accept returned a connection");
            accepted.cancel(true);
            return failure;
        }
    }

    /** Opens a directory to everyone (0755) for a while and restores its mode. */
    private static final class Opened implements AutoCloseable {
        private final Path dir;
        private final Set<PosixFilePermission> mode;

        Opened(Path dir) throws IOException {
            this.dir = dir;
            this.mode = Files.getPosixFilePermissions(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        @Override
        public void close() throws IOException {
            Files.setPosixFilePermissions(dir, mode);
        }
    }
}
