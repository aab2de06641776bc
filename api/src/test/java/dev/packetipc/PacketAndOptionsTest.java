package dev.packetipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PacketAndOptionsTest {
    @Test
    void timestampsConvertExactlyBothWaysIncludingBeforeTheEpoch() {
        Instant instant = Instant.ofEpochSecond(-2, 999_999_999);
        Packet packet = Packet.of(instant, new byte[0]);
        assertEquals(-1_000_000_001L, packet.timestampNanos());
        assertEquals(instant, packet.timestamp());
        assertEquals(Instant.ofEpochSecond(0, 0), Packet.of(0, new byte[0]).timestamp());
        assertEquals(Long.MIN_VALUE, Packet.of(Long.MIN_VALUE, new byte[0]).timestampNanos());
        assertThrows(ArithmeticException.class, () -> Packet.of(Instant.MAX, new byte[0]));
    }

    @Test
    void dataIsAReadOnlyViewThatCallersCannotDisturb() {
        Packet packet = Packet.of(1, new byte[] {1, 2, 3});
        ByteBuffer data = packet.data();
        assertTrue(data.isReadOnly());
        data.get();
        assertEquals(3, packet.data().remaining(), "each call returns a fresh view");
        assertEquals(3, packet.length());
        assertEquals(packet, Packet.of(1, new byte[] {1, 2, 3}));
        assertNotEquals(packet, Packet.of(2, new byte[] {1, 2, 3}));
        assertEquals(packet.hashCode(), Packet.of(1, new byte[] {1, 2, 3}).hashCode());
    }

    @Test
    void optionsKeepDefaultsValidateValuesAndSayWhatIsWrong() {
        IpcOptions defaults = IpcOptions.defaults();
        assertEquals(16 << 20, defaults.get(IpcOptions.MAX_FRAME_BYTES));
        assertFalse(defaults.isSet(IpcOptions.MAX_FRAME_BYTES));
        IpcOptions set = IpcOptions.builder()
                .set(IpcOptions.CONNECT_TIMEOUT, Duration.ofSeconds(1))
                .build();
        assertEquals(Duration.ofSeconds(1), set.get(IpcOptions.CONNECT_TIMEOUT));
        assertTrue(set.isSet(IpcOptions.CONNECT_TIMEOUT));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> IpcOptions.builder().set(IpcOptions.MAX_FRAME_BYTES, 10));
        assertTrue(e.getMessage().contains("maxFrameBytes") && e.getMessage().contains("at least 4096"));
        assertEquals(
                set.get(IpcOptions.CONNECT_TIMEOUT), set.toBuilder().build().get(IpcOptions.CONNECT_TIMEOUT));
    }
}
