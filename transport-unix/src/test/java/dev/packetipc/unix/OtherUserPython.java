package dev.packetipc.unix;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A packet-ipc client written in Python from {@code docs/wire-format.md} alone, run as another user ({@value #UID},
 * "nobody") through {@code setpriv}: it connects to a socket path, sends HELLO, and prints one line per frame it gets
 * until REJECT, END or end of file. Only root can switch users, so {@link #find()} says why it cannot run otherwise.
 */
final class OtherUserPython {
    /** The user the client runs as. */
    static final long UID = 65534;

    /**
     * Prints {@code CONNECT_FAILED <error class> <errno>}, {@code REJECT <reason> <text>}, {@code WELCOME <version>},
     * {@code BATCH <count> <first timestamp> <first inline payload>}, {@code END} or {@code EOF}; every frame is
     * little-endian with an 8-byte header (u32 length, u8 type, u8 flags, u16 reserved).
     */
    private static final String SCRIPT = """
            import socket, struct, sys

            def exactly(sock, n):
                data = b''
                while len(data) < n:
                    chunk = sock.recv(n - len(data))
                    if not chunk:
                        return None
                    data += chunk
                return data

            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(30)
            try:
                sock.connect(sys.argv[1])
            except OSError as e:
                print('CONNECT_FAILED', type(e).__name__, e.errno, flush=True)
                sys.exit(0)
            hello = struct.pack('<IBBH', 24, 0x01, 0, 0) + struct.pack('<IHHII', 0x43504950, 1, 1, 1048576, 0)
            try:
                sock.sendall(hello)
            except OSError as e:  # a server that refuses at once may close before HELLO is written; read its answer
                print('SEND_FAILED', type(e).__name__, flush=True)
            while True:
                header = exactly(sock, 8)
                if header is None:
                    print('EOF', flush=True)
                    break
                length, kind, flags, reserved = struct.unpack('<IBBH', header)
                body = exactly(sock, length - 8)
                if kind == 0x03:
                    reason, n = struct.unpack_from('<II', body, 0)
                    print('REJECT', reason, body[8:8 + n].decode('utf-8'), flush=True)
                    break
                elif kind == 0x02:
                    magic, version = struct.unpack_from('<IH', body, 0)
                    print('WELCOME', version if magic == 0x43504950 else 'bad-magic', flush=True)
                elif kind == 0x10:
                    count, = struct.unpack_from('<I', body, 0)
                    timestamp, size, entry = struct.unpack_from('<qII', body, 8)
                    payload = body[24:24 + size].decode('utf-8') if entry == 0 else 'shared'
                    print('BATCH', count, timestamp, payload, flush=True)
                elif kind == 0x11:
                    print('END', flush=True)
                    break
                else:
                    print('FRAME', kind, flush=True)
            sock.close()
            """;

    /**
     * A server: binds {@code argv[1]} (mode 0666), prints {@code LISTENING}, then for each client reads its HELLO (if
     * it sends one) and answers with the bytes hex-encoded in {@code argv[2]}, until the client hangs up; it serves
     * {@code argv[3]} clients and exits.
     */
    private static final String SERVER_SCRIPT = """
            import os, socket, sys

            answer = bytes.fromhex(sys.argv[2])
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(sys.argv[1])
            os.chmod(sys.argv[1], 0o666)
            server.listen(8)
            server.settimeout(60)
            print('LISTENING', flush=True)
            for _ in range(int(sys.argv[3])):
                client, _ = server.accept()
                client.settimeout(60)
                hello = client.recv(24)
                if hello:
                    client.sendall(answer)
                    while client.recv(4096):
                        pass
                print('SERVED', len(hello), flush=True)
                client.close()
            server.close()
            os.unlink(sys.argv[1])
            """;

    private final Path setpriv;
    private final Path python;

    private OtherUserPython(Path setpriv, Path python) {
        this.setpriv = setpriv;
        this.python = python;
    }

    /** The runner, or why it cannot run here (not root, no setpriv, no python3 that another user may execute). */
    static Result find() {
        String uid = dev.packetipc.spi.RuntimeDirectory.userId();
        if (!"0".equals(uid)) {
            return new Result(null, "running a client as uid " + UID + " needs root; this is uid " + uid);
        }
        Optional<Path> setpriv = executable("setpriv", false);
        if (setpriv.isEmpty()) {
            return new Result(null, "setpriv (util-linux) is not installed");
        }
        Optional<Path> python = executable("python3", true);
        if (python.isEmpty()) {
            return new Result(null, "no python3 that uid " + UID + " may execute (none on PATH or in /usr/bin)");
        }
        return new Result(new OtherUserPython(setpriv.get(), python.get()), null);
    }

    /** The runner, or {@code null} and the reason it cannot run. */
    record Result(OtherUserPython python, String whyNot) {}

    private static Optional<Path> executable(String name, boolean byOthers) {
        Set<String> dirs = new LinkedHashSet<>(
                List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate) && (!byOthers || othersCanReach(candidate))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Whether other users may execute (a file) or traverse (a directory) {@code file} and every directory above. */
    static boolean othersCanReach(Path file) {
        try {
            Path real = file.toRealPath();
            for (Path p = real; p != null; p = p.getParent()) {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Starts the client against {@code socket}, with {@code workDir} (which uid {@value #UID} must reach) as cwd. */
    Run start(Path socket, Path workDir) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                setpriv.toString(),
                "--reuid=" + UID,
                "--regid=" + UID,
                "--clear-groups",
                python.toString(),
                "-I",
                "-c",
                SCRIPT,
                socket.toString()));
        return new Run(new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .start());
    }

    /**
     * Starts a server as uid {@value #UID} at {@code socket} (its directory must be writable by that user) that answers
     * every HELLO with {@code answer}, for {@code clients} clients, and waits until it listens.
     */
    Run startServer(Path socket, Path workDir, byte[] answer, int clients) throws IOException {
        StringBuilder hex = new StringBuilder();
        for (byte b : answer) {
            hex.append(String.format("%02x", b));
        }
        List<String> command = new ArrayList<>(List.of(
                setpriv.toString(),
                "--reuid=" + UID,
                "--regid=" + UID,
                "--clear-groups",
                python.toString(),
                "-I",
                "-c",
                SERVER_SCRIPT,
                socket.toString(),
                hex.toString(),
                String.valueOf(clients)));
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .start();
        StringBuilder line = new StringBuilder();
        for (int c; (c = process.getInputStream().read()) != '\n'; ) {
            if (c < 0) {
                throw new AssertionError("the python server ended before it listened: " + line);
            }
            line.append((char) c);
        }
        if (!line.toString().equals("LISTENING")) {
            process.destroyForcibly();
            throw new AssertionError("the python server did not listen: " + line);
        }
        return new Run(process);
    }

    /** One run of the client. */
    static final class Run {
        private final Process process;

        Run(Process process) {
            this.process = process;
        }

        /** The process id the server sees ({@code setpriv} executes python in its own process). */
        long pid() {
            return process.pid();
        }

        /**
         * Waits for the client to exit and returns its output lines; kills it and fails if it does not exit in time or
         * exits with an error.
         */
        List<String> finish(Duration timeout) throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(
                        "the python client did not finish within " + timeout + "; it printed:\n" + output());
            }
            String output = output();
            if (process.exitValue() != 0) {
                throw new AssertionError("the python client exited with " + process.exitValue() + ":\n" + output);
            }
            return output.lines().toList();
        }

        private String output() throws IOException {
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        /** Kills the client if it still runs. */
        void kill() {
            process.destroyForcibly();
        }
    }
}
