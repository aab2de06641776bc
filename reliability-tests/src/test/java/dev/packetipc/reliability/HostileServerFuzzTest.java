package dev.packetipc.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.Client;
import dev.packetipc.IpcOptions;
import dev.packetipc.IpcPacket;
import dev.packetipc.IpcTimeoutException;
import dev.packetipc.Packet;
import dev.packetipc.PacketHandler;
import dev.packetipc.PacketIpc;
import dev.packetipc.PeerGoneException;
import dev.packetipc.ProtocolException;
import dev.packetipc.spi.RuntimeDirectory;
import dev.packetipc.wire.FrameEncoder;
import dev.packetipc.wire.HandshakeDescriptor;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The unix transport's real client reading from a hostile server over a real Unix socket: the server reads the
 * HELLO, answers with a mutation of a valid stream (WELCOME, BATCH frames with inline packets, END) and hangs up.
 * Every input ends, within the client's receive time-out, in packets then the end, a {@link ProtocolException} or a
 * {@link PeerGoneException}: no other exception, no time-out (the server has hung up, so waiting would be a hang),
 * no packet the handler cannot read, and nothing thrown inside the handler. The number of tries is jqwik's default,
 * set in this module's pom (more with -Psoak).
 */
class HostileServerFuzzTest {
    private static final Duration RECEIVE = Duration.ofSeconds(10);
    private static int tries;
    private static int refused;
    private static int ended;
    private static Throwable failure;

    /** Records this test's row in the results (after every input: jqwik properties get no JUnit extensions). */
    private static void report() {
        Results.row(
                "HostileServerFuzzTest.aClientReadingAHostileServerEndsCleanly",
                List.of(),
                "mutations of WELCOME + inline BATCHes + END from a raw server over a real Unix socket, then hang-up",
                "the unix client ends in packets + END, ProtocolException or PeerGone; no time-out, no other"
                        + " exception, no unreadable packet, nothing thrown in the handler",
                tries + " inputs: " + refused + " refused, " + ended + " read to the end",
                failure == null
                        ? "passed"
                        : "**FAILED**: "
                                + String.valueOf(failure.getMessage())
                                        .lines()
                                        .findFirst()
                                        .orElse(""));
    }

    @Property
    void aClientReadingAHostileServerEndsCleanly(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 30) int packets,
            @ForAll @IntRange(min = 0, max = 6) int mutations)
            throws Exception {
        try {
            oneInput(seed, packets, mutations);
        } catch (Exception | AssertionError e) {
            failure = e;
            throw e;
        } finally {
            report();
        }
    }

    private static void oneInput(long seed, int packets, int mutations) throws Exception {
        Random random = new Random(seed);
        byte[] answer = validAnswer(packets, random);
        for (int i = 0; i < mutations; i++) {
            answer = mutate(answer, random);
        }
        File path = RuntimeDirectory.ensure()
                .resolve("rogue-" + UUID.randomUUID().toString().substring(0, 8) + ".sock")
                .toFile();
        byte[] bytes = answer;
        try (AFUNIXServerSocket server = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(path))) {
            Thread rogue = new Thread(() -> answerOnce(server, bytes), "rogue-server");
            rogue.setDaemon(true);
            rogue.start();
            IpcOptions options = IpcOptions.builder()
                    .set(IpcOptions.CONNECT_TIMEOUT, RECEIVE)
                    .build();
            tries++;
            AtomicReference<Throwable> inHandler = new AtomicReference<>();
            PacketHandler handler = packet -> {
                try {
                    readAll(packet);
                } catch (RuntimeException e) {
                    inHandler.set(e);
                }
            };
            try (Client client = PacketIpc.connect("unix://" + path.getAbsolutePath(), options)) {
                while (client.poll(handler, 1 + random.nextInt(64), RECEIVE) != Client.END_OF_STREAM) {
                    // go on until the end or an exception
                }
                ended++;
            } catch (ProtocolException | PeerGoneException e) {
                refused++;
                assertTrue(e.getMessage() != null && e.getMessage().length() > 20, e.toString());
            } catch (IpcTimeoutException e) {
                throw new AssertionError("the client waited in vain although the server had hung up: " + e, e);
            } catch (Exception e) {
                throw new AssertionError("the client threw " + e + " instead of ProtocolException or PeerGone", e);
            }
            rogue.join(RECEIVE.toMillis());
            if (inHandler.get() != null) {
                throw new AssertionError("a packet handed out was not readable", inHandler.get());
            }
        } finally {
            Files.deleteIfExists(path.toPath());
        }
    }

    private static void answerOnce(AFUNIXServerSocket server, byte[] answer) {
        try (AFUNIXSocket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            byte[] hello = new byte[24];
            int read = 0;
            while (read < hello.length) {
                int n = in.read(hello, read, hello.length - read);
                if (n < 0) {
                    return;
                }
                read += n;
            }
            OutputStream out = socket.getOutputStream();
            out.write(answer);
            out.flush();
            socket.shutdownOutput();
            while (in.read(hello) >= 0) { // read what the client still says (RELEASE, CLOSE) until it hangs up
                // discard
            }
        } catch (java.io.IOException e) {
            // the client hung up first: fine
        }
    }

    private static void readAll(IpcPacket packet) {
        ByteBuffer data = packet.data();
        if (data.remaining() != packet.length()) {
            throw new IllegalStateException("view length " + data.remaining() + " != " + packet.length());
        }
        for (int i = data.position(); i < data.limit(); i++) {
            data.get(i);
        }
    }

    private static byte[] validAnswer(int packets, Random random) {
        ByteBuffer out = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        FrameEncoder.encodeWelcome(out, HandshakeDescriptor.VERSION_1, 1 << 20);
        List<Packet> batch = new ArrayList<>();
        for (int i = 0; i < packets; i++) {
            byte[] data = new byte[random.nextInt(300)];
            random.nextBytes(data);
            batch.add(Packet.of(i, data));
        }
        int from = 0;
        while (from < batch.size()) {
            from = FrameEncoder.encodeBatch(batch, from, out, 4096);
        }
        FrameEncoder.encodeEnd(out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    private static byte[] mutate(byte[] bytes, Random r) {
        byte[] b = bytes.clone();
        if (b.length == 0) {
            return b;
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(6)) {
            case 0:
                b[at] ^= (byte) (1 << r.nextInt(8));
                return b;
            case 1: {
                int aligned = at & ~3;
                if (aligned + 4 <= b.length) {
                    int[] values = {0, 1, -1, 8, 16, 4096, 1 << 20, (1 << 20) + 8, 1 << 30, Integer.MAX_VALUE, 2};
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(aligned, values[r.nextInt(values.length)]);
                }
                return b;
            }
            case 2:
                return Arrays.copyOf(b, at);
            case 3: {
                int n = r.nextInt(Math.min(256, b.length - at) + 1);
                byte[] c = new byte[b.length + n];
                System.arraycopy(b, 0, c, 0, at + n);
                System.arraycopy(b, at, c, at + n, b.length - at);
                return c;
            }
            case 4: {
                byte[] types = {0x01, 0x02, 0x03, 0x10, 0x11, 0x12, 0x20, 0x21, 0x7f};
                b[at & ~7] = (byte) 0; // keep the length's low byte sane sometimes
                b[Math.min(b.length - 1, (at & ~7) + 4)] = types[r.nextInt(types.length)];
                return b;
            }
            default:
                b[at] = (byte) r.nextInt();
                return b;
        }
    }
}
