package dev.packetipc.spi;

import dev.packetipc.ProtocolException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A server's stream properties ({@link dev.packetipc.IpcOptions#STREAM_PROPERTIES}): their limits, and the one
 * encoding every transport carries them in (the body of the PROPERTIES frame of {@code docs/wire-format.md} §2).
 * Little-endian:
 *
 * <pre>
 *   0  u32 count of entries, 0 to {@value #MAX_ENTRIES}
 *   4  count times, back to back (no alignment between entries):
 *        u16 key length k, 1 to {@value #MAX_KEY_BYTES}; k bytes of UTF-8
 *        u32 value length v; v bytes of UTF-8
 *   .. zero bytes up to the next multiple of 8 (0 to 7 of them)
 * </pre>
 *
 * <p>The whole, padding included, is at most {@value #MAX_ENCODED_BYTES} bytes, so that with the 8-byte frame header
 * it fits the smallest maximum frame size a peer may announce (4096). Keys are unique. Stateless and thread-safe.
 */
public final class StreamProperties {
    /** The most entries. */
    public static final int MAX_ENTRIES = 64;
    /** The longest key, in bytes of UTF-8. */
    public static final int MAX_KEY_BYTES = 255;
    /** The longest encoding, in bytes, count and padding included. */
    public static final int MAX_ENCODED_BYTES = 4088;

    private StreamProperties() {}

    /**
     * Checks properties against the limits and returns an immutable copy that keeps their order.
     *
     * @param properties the properties, not {@code null}
     * @return an unmodifiable copy, in the iteration order of {@code properties}
     * @throws IllegalArgumentException naming the entry or limit at fault: a {@code null} or empty key, a {@code null}
     *     value, a key or value that is not well-formed Unicode (a lone surrogate cannot be encoded as UTF-8), a key
     *     longer than {@value #MAX_KEY_BYTES} bytes, more than {@value #MAX_ENTRIES} entries, or more than {@value
     *     #MAX_ENCODED_BYTES} bytes encoded
     */
    public static Map<String, String> checked(Map<String, String> properties) {
        if (properties == null) {
            throw new IllegalArgumentException("stream properties must be a map, not null; use Map.of() for none");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : properties.entrySet()) {
            copy.put(e.getKey(), e.getValue());
        }
        encode(copy); // checks everything
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Encodes properties as the table above says.
     *
     * @param properties the properties
     * @return the encoding, a multiple of 8 bytes long, at most {@value #MAX_ENCODED_BYTES}
     * @throws IllegalArgumentException as {@link #checked} says
     */
    public static byte[] encode(Map<String, String> properties) {
        if (properties.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("stream properties have " + properties.size() + " entries, more than"
                    + " the limit of " + MAX_ENTRIES + "; send fewer");
        }
        ByteBuffer out = ByteBuffer.allocate(MAX_ENCODED_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(properties.size());
        for (Map.Entry<String, String> e : properties.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("a stream property has " + (key == null ? "a null" : "an empty")
                        + " key; every key must be 1 to " + MAX_KEY_BYTES + " bytes of UTF-8");
            }
            if (value == null) {
                throw new IllegalArgumentException("the stream property '" + key + "' has a null value; use \"\"");
            }
            byte[] k = utf8(key, "key '" + key + "'");
            byte[] v = utf8(value, "value of '" + key + "'");
            if (k.length > MAX_KEY_BYTES) {
                throw new IllegalArgumentException("the stream property key '" + key + "' has " + k.length
                        + " bytes of UTF-8, more than the limit of " + MAX_KEY_BYTES);
            }
            long need = out.position() + 6L + k.length + v.length;
            if (need > MAX_ENCODED_BYTES) {
                throw new IllegalArgumentException("stream properties take more than " + MAX_ENCODED_BYTES + " bytes"
                        + " encoded (the limit; each entry takes 6 bytes plus its key and value in UTF-8) at '" + key
                        + "'; send fewer or shorter ones");
            }
            out.putShort((short) k.length).put(k).putInt(v.length).put(v);
        }
        int length = (out.position() + 7) & -8;
        if (length > MAX_ENCODED_BYTES) {
            throw new IllegalArgumentException("stream properties take " + length + " bytes encoded with padding,"
                    + " more than the limit of " + MAX_ENCODED_BYTES + "; send fewer or shorter ones");
        }
        byte[] bytes = new byte[length];
        System.arraycopy(out.array(), 0, bytes, 0, out.position());
        return bytes;
    }

    /**
     * Decodes properties, checking everything a peer could get wrong: every length against the bytes there and the
     * limits, the UTF-8, unique keys, and that only zero padding (less than 8 bytes) follows the last entry.
     *
     * @param body the encoding, from its position to its limit (position and limit are not changed)
     * @return the properties, unmodifiable, in the order they were encoded
     * @throws ProtocolException if the encoding breaks the table or the limits above, saying where
     */
    public static Map<String, String> decode(ByteBuffer body) throws ProtocolException {
        ByteBuffer in = body.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() > MAX_ENCODED_BYTES || in.remaining() % 8 != 0) {
            throw new ProtocolException("stream properties of " + in.remaining() + " bytes: the encoding must be a"
                    + " multiple of 8 bytes, at most " + MAX_ENCODED_BYTES);
        }
        try {
            int count = in.getInt();
            if (count < 0 || count > MAX_ENTRIES) {
                throw new ProtocolException("stream properties announce " + Integer.toUnsignedString(count)
                        + " entries, more than the limit of " + MAX_ENTRIES);
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                int k = Short.toUnsignedInt(in.getShort());
                if (k < 1 || k > MAX_KEY_BYTES || k > in.remaining()) {
                    throw new ProtocolException("stream property #" + i + " has a key length of " + k + " (must be 1"
                            + " to " + MAX_KEY_BYTES + ", and " + in.remaining() + " bytes are left)");
                }
                String key = decodeUtf8(in, k, "key of stream property #" + i);
                int v = in.getInt();
                if (v < 0 || v > in.remaining()) {
                    throw new ProtocolException("stream property '" + key + "' has a value length of "
                            + Integer.toUnsignedString(v) + ", more than the " + in.remaining() + " bytes left");
                }
                String value = decodeUtf8(in, v, "value of stream property '" + key + "'");
                if (map.put(key, value) != null) {
                    throw new ProtocolException("stream property '" + key + "' comes twice");
                }
            }
            if (in.remaining() >= 8) {
                throw new ProtocolException(in.remaining() + " bytes follow the last of " + count
                        + " stream properties; only padding of up to 7 bytes may");
            }
            while (in.hasRemaining()) {
                if (in.get() != 0) {
                    throw new ProtocolException("the padding after the stream properties is not zero");
                }
            }
            return Collections.unmodifiableMap(map);
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("stream properties end in the middle of an entry; the encoding is cut", e);
        }
    }

    private static byte[] utf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8
                    .newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the stream property " + what + " is not well-formed Unicode (a lone"
                    + " surrogate?), so it cannot be sent as UTF-8");
        }
    }

    private static String decodeUtf8(ByteBuffer in, int length, String what) throws ProtocolException {
        ByteBuffer part = in.slice();
        part.limit(length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(part)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException("the " + what + " is not valid UTF-8", e);
        }
    }
}
