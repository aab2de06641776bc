package dev.packetipc.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetipc.flow.Packets.Built;
import dev.packetipc.flow.Packets.Dress;
import dev.packetipc.flow.Packets.Flow;
import dev.packetipc.flow.Packets.Frag;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** {@link FlowHash} on generated packets of every header shape it reads. */
class FlowHashProperties {
    /** A flow with two packets of it, each dressed its own way (direction, tags, headers, fragment, filler). */
    record Pair(int linkType, FlowRule rule, Flow flow, Dress one, Dress two) {}

    @Provide
    Arbitrary<Pair> pairs() {
        return Combinators.combine(Generators.linkTypes(), Generators.rules())
                .flatAs((linkType, rule) -> Combinators.combine(
                                Generators.flows(linkType), Generators.dresses(), Generators.dresses())
                        .as((flow, one, two) -> new Pair(linkType, rule, flow, one, two)));
    }

    private static long hash(int linkType, byte[] bytes, FlowRule rule) {
        return FlowHash.hash(ByteBuffer.wrap(bytes), 0, bytes.length, linkType, rule);
    }

    /**
     * Both directions of a flow, and every dressing of it (VLAN tags, IPv4 options and AH, IPv6 extension headers,
     * filler bytes, payload), hash alike whenever the rule's key is the same, and differently when it is not (so no
     * key field is ignored); every fragment of a datagram hashes
     * alike (its key has no ports); and a hash is never negative.
     */
    @Property(tries = 1000)
    void packetsWithOneKeyHashAlike(@ForAll("pairs") Pair pair) {
        Dress[] dresses = {pair.one(), reversed(pair.one()), pair.two(), reversed(pair.two())};
        for (int i = 0; i < dresses.length; i++) {
            for (int j = i + 1; j < dresses.length; j++) {
                Built one = Packets.build(pair.linkType(), pair.flow(), dresses[i]);
                Built two = Packets.build(pair.linkType(), pair.flow(), dresses[j]);
                long h1 = hash(pair.linkType(), one.bytes(), pair.rule());
                long h2 = hash(pair.linkType(), two.bytes(), pair.rule());
                assertTrue(h1 >= 0, () -> "unclassified: " + Packets.hex(one.bytes()));
                assertTrue(h2 >= 0, () -> "unclassified: " + Packets.hex(two.bytes()));
                String k1 = Packets.modelKey(pair.flow(), dresses[i].frag(), pair.rule());
                String k2 = Packets.modelKey(pair.flow(), dresses[j].frag(), pair.rule());
                if (k1.equals(k2)) {
                    assertEquals(h1, h2, () -> k1 + "\n" + Packets.hex(one.bytes()) + "\n" + Packets.hex(two.bytes()));
                } else { // 63 bits: two keys collide with a chance of about 1e-19
                    assertNotEquals(h1, h2, () -> k1 + " and " + k2 + " collide");
                }
            }
        }
    }

    /** Fragments of one datagram, whatever their position and direction, hash alike under every rule. */
    @Property(tries = 1000)
    void fragmentsOfOneDatagramHashAlike(@ForAll("pairs") Pair pair) {
        Dress first = withFrag(pair.one(), Frag.FIRST);
        Dress other = withFrag(
                pair.two(),
                pair.two().frag() == Frag.NONE ? Frag.LAST : pair.two().frag());
        long h1 = hash(
                pair.linkType(),
                Packets.build(pair.linkType(), pair.flow(), first).bytes(),
                pair.rule());
        long h2 = hash(
                pair.linkType(),
                Packets.build(pair.linkType(), pair.flow(), other).bytes(),
                pair.rule());
        assertTrue(h1 >= 0);
        assertEquals(h1, h2);
    }

    /**
     * Under {@link FlowRule#UDP_BY_ADDRESSES} a UDP datagram's fragments hash as its whole datagrams do; under
     * {@link FlowRule#ADDRESSES_AND_PROTOCOL} so do those of every protocol.
     */
    @Property(tries = 1000)
    void fragmentsStayWithTheirFlowWhereTheRuleSaysSo(@ForAll("pairs") Pair pair) {
        Flow flow = pair.flow();
        boolean together = pair.rule() == FlowRule.ADDRESSES_AND_PROTOCOL
                || (pair.rule() == FlowRule.UDP_BY_ADDRESSES && flow.protocol() == Packets.UDP)
                || !flow.hasPorts();
        if (!together) {
            return;
        }
        Dress whole = withFrag(pair.one(), Frag.NONE);
        long h1 = hash(
                pair.linkType(), Packets.build(pair.linkType(), flow, whole).bytes(), pair.rule());
        long h2 = hash(
                pair.linkType(),
                Packets.build(pair.linkType(), flow, pair.two()).bytes(),
                pair.rule());
        assertEquals(h1, h2);
    }

    /**
     * A packet cut anywhere before the last byte its key needs is unclassified; cut anywhere after, it hashes as the
     * whole packet. So the key reads exactly the fields it should and nothing past the captured length.
     */
    @Property(tries = 2000)
    void truncatedPacketsAreUnclassifiedExactlyWhenTheKeyIsCut(
            @ForAll("pairs") Pair pair, @ForAll @IntRange(min = 0, max = 400) int cut) {
        Built built = Packets.build(pair.linkType(), pair.flow(), pair.one());
        byte[] bytes = built.bytes();
        int length = Math.min(cut, bytes.length);
        int keyEnd = built.keyEnd(Packets.usesPorts(pair.flow(), pair.one().frag(), pair.rule()));
        long whole = hash(pair.linkType(), bytes, pair.rule());
        long cutHash = FlowHash.hash(ByteBuffer.wrap(bytes), 0, length, pair.linkType(), pair.rule());
        assertEquals(
                length < keyEnd ? FlowHash.UNCLASSIFIED : whole,
                cutHash,
                () -> "cut at " + length + " of " + bytes.length + ", key ends at " + keyEnd + ": "
                        + Packets.hex(bytes));
    }

    /**
     * The hash does not depend on where the packet sits in its buffer, the buffer's byte order, or whether it is
     * direct or read-only; and it leaves the buffer's position and limit alone.
     */
    @Property(tries = 500)
    void theBufferDoesNotMatter(
            @ForAll("pairs") Pair pair,
            @ForAll @IntRange(min = 0, max = 9) int before,
            @ForAll @IntRange(min = 0, max = 9) int after,
            @ForAll boolean direct,
            @ForAll boolean little) {
        byte[] bytes = Packets.build(pair.linkType(), pair.flow(), pair.one()).bytes();
        long expected = hash(pair.linkType(), bytes, pair.rule());
        ByteBuffer buffer = direct
                ? ByteBuffer.allocateDirect(before + bytes.length + after)
                : ByteBuffer.allocate(before + bytes.length + after);
        buffer.position(before);
        buffer.put(bytes);
        buffer.position(3 % (before + 1)).limit(before + bytes.length);
        ByteBuffer view = buffer.asReadOnlyBuffer().order(little ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        assertEquals(expected, FlowHash.hash(view, before, bytes.length, pair.linkType(), pair.rule()));
        assertEquals(3 % (before + 1), view.position());
        assertEquals(before + bytes.length, view.limit());
    }

    /** ARP and other non-IP frames, and every packet of an unsupported link type, are unclassified. */
    @Property(tries = 300)
    void nonIpIsUnclassified(@ForAll("pairs") Pair pair, @ForAll long fill) {
        assertEquals(
                FlowHash.UNCLASSIFIED, hash(pair.linkType(), Packets.arp(pair.linkType(), fill), pair.rule()), "ARP");
        byte[] ip = Packets.build(pair.linkType(), pair.flow(), pair.one()).bytes();
        for (int unsupported : new int[] {0, 105, 127, 228 + 229, 65535}) {
            assertEquals(FlowHash.UNCLASSIFIED, hash(unsupported, ip, pair.rule()), "link type " + unsupported);
        }
    }

    @Provide
    Arbitrary<Tuple.Tuple3<Integer, FlowRule, byte[]>> garbage() {
        return Combinators.combine(
                        Arbitraries.oneOf(Generators.linkTypes(), Arbitraries.integers()),
                        Generators.rules(),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
                .as(Tuple::of);
    }

    /** Any bytes at all: the hash returns (never throws) a hash or UNCLASSIFIED. */
    @Property(tries = 3000)
    void anyBytesGiveAHashOrUnclassified(@ForAll("garbage") Tuple.Tuple3<Integer, FlowRule, byte[]> input) {
        byte[] bytes = input.get3();
        long h = FlowHash.hash(ByteBuffer.wrap(bytes), 0, bytes.length, input.get1(), input.get2());
        assertTrue(h >= 0 || h == FlowHash.UNCLASSIFIED, () -> Long.toString(h));
    }

    private static Dress reversed(Dress d) {
        return new Dress(
                !d.reverse(),
                d.vlanTags(),
                d.ipv4OptionWords(),
                d.ipv4Ah(),
                d.ipv6Headers(),
                d.extUnits(),
                d.frag(),
                d.payload(),
                d.fill() + 1);
    }

    private static Dress withFrag(Dress d, Frag frag) {
        return new Dress(
                d.reverse(),
                d.vlanTags(),
                d.ipv4OptionWords(),
                d.ipv4Ah(),
                d.ipv6Headers(),
                d.extUnits(),
                frag,
                d.payload(),
                d.fill());
    }
}
