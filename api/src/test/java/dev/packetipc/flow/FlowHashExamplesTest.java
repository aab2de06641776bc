package dev.packetipc.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * {@link FlowHash} on frames written out by hand in hex, field by field, independently of the test packet builder,
 * so that a misreading shared by the builder and the parser would still show.
 */
class FlowHashExamplesTest {
    private static final String MACS = "001122334455" + "66778899aabb";
    // IPv4: version 4, IHL 5, total length 40, id 0x1c46, DF, TTL 64, TCP, checksum 0, 192.168.0.1 -> 192.168.0.199
    private static final String IPV4_TCP_FORWARD = "45000028" + "1c464000" + "40060000" + "c0a80001" + "c0a800c7";
    private static final String IPV4_TCP_BACKWARD = "45000028" + "abcd4000" + "3f06ffff" + "c0a800c7" + "c0a80001";
    // TCP 54321 -> 80, then the rest of a 20-byte header
    private static final String TCP_FORWARD = "d4310050" + "00000001" + "00000000" + "5002ffff" + "00000000";
    private static final String TCP_BACKWARD = "0050d431" + "12345678" + "00000002" + "5012ffff" + "00000000";

    private static long hash(int linkType, String hex, FlowRule rule) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        return FlowHash.hash(ByteBuffer.wrap(bytes), 0, bytes.length, linkType, rule);
    }

    private static long hash(int linkType, String hex) {
        return hash(linkType, hex, FlowRule.FIVE_TUPLE);
    }

    @Test
    void ipv4TcpInEveryLinkTypeAndBothDirectionsHashesAlike() {
        long forward = hash(LinkTypes.LINKTYPE_ETHERNET, MACS + "0800" + IPV4_TCP_FORWARD + TCP_FORWARD);
        assertTrue(forward >= 0);
        assertEquals(forward, hash(LinkTypes.LINKTYPE_ETHERNET, MACS + "0800" + IPV4_TCP_BACKWARD + TCP_BACKWARD));
        // 802.1Q tag, VLAN 100; then QinQ: 802.1ad outer, 802.1Q inner
        assertEquals(
                forward,
                hash(LinkTypes.LINKTYPE_ETHERNET, MACS + "81000064" + "0800" + IPV4_TCP_FORWARD + TCP_FORWARD));
        assertEquals(
                forward,
                hash(
                        LinkTypes.LINKTYPE_ETHERNET,
                        MACS + "88a8000a" + "81000064" + "0800" + IPV4_TCP_BACKWARD + TCP_BACKWARD));
        // SLL: packet type 0 (to us), ARPHRD_ETHER, address length 6, address padded to 8, protocol
        assertEquals(
                forward,
                hash(
                        LinkTypes.LINKTYPE_LINUX_SLL,
                        "0000" + "0001" + "0006" + "001122334455" + "0000" + "0800" + IPV4_TCP_FORWARD + TCP_FORWARD));
        // SLL2: protocol, reserved, interface index 2, ARPHRD_ETHER, packet type 4 (outgoing), length 6, address
        assertEquals(
                forward,
                hash(
                        LinkTypes.LINKTYPE_LINUX_SLL2,
                        "0800" + "0000" + "00000002" + "0001" + "04" + "06" + "66778899aabb0000" + IPV4_TCP_BACKWARD
                                + TCP_BACKWARD));
        assertEquals(forward, hash(LinkTypes.LINKTYPE_RAW, IPV4_TCP_FORWARD + TCP_FORWARD));
        assertEquals(forward, hash(LinkTypes.LINKTYPE_IPV4, IPV4_TCP_BACKWARD + TCP_BACKWARD));
        // another source port is another flow
        assertNotEquals(
                forward, hash(LinkTypes.LINKTYPE_RAW, IPV4_TCP_FORWARD + "d4320050" + TCP_FORWARD.substring(8)));
        // ARP is not IP
        assertEquals(FlowHash.UNCLASSIFIED, hash(LinkTypes.LINKTYPE_ETHERNET, MACS + "0806" + "0001080006040001"));
    }

    @Test
    void ipv6FragmentsOfOneUdpDatagramHashAlikeAndAsItsWholeDatagrams() {
        String src = "20010db8000000000000000000000001";
        String dst = "20010db8000000000000000000000002";
        // payload length, next header 44 (fragment), hop limit 64
        String fragmentedHead = "60000000" + "0018" + "2c" + "40";
        // fragment header: next header 17 (UDP), reserved, offset 0 with M set, identification 42
        String first = fragmentedHead + src + dst + "11000001" + "0000002a" + "0035c000" + "00100000" + "aabbccdd";
        // offset 23 (23 << 3 = 0x00b8), M clear, same identification; the other direction for good measure
        String last = fragmentedHead + dst + src + "110000b8" + "0000002a" + "0102030405060708";
        // a whole UDP datagram between the same hosts, 53 -> 49152, behind a hop-by-hop header (8 bytes: PadN)
        String whole =
                "60000000" + "0010" + "00" + "40" + src + dst + "1100" + "0104" + "00000000" + "0035c000" + "00080000";
        long firstHash = hash(LinkTypes.LINKTYPE_IPV6, first, FlowRule.UDP_BY_ADDRESSES);
        assertTrue(firstHash >= 0);
        assertEquals(firstHash, hash(LinkTypes.LINKTYPE_IPV6, last, FlowRule.UDP_BY_ADDRESSES));
        assertEquals(firstHash, hash(LinkTypes.LINKTYPE_IPV6, whole, FlowRule.UDP_BY_ADDRESSES));
        assertEquals(
                hash(LinkTypes.LINKTYPE_IPV6, first, FlowRule.FIVE_TUPLE),
                hash(LinkTypes.LINKTYPE_IPV6, last, FlowRule.FIVE_TUPLE));
        assertNotEquals( // with its ports the whole datagram has a key of its own
                hash(LinkTypes.LINKTYPE_IPV6, first, FlowRule.FIVE_TUPLE),
                hash(LinkTypes.LINKTYPE_IPV6, whole, FlowRule.FIVE_TUPLE));
    }

    @Test
    void ipv4FragmentsHashByAddressesAndProtocol() {
        // first fragment: MF set, offset 0, with UDP ports; last fragment: offset 185, MF clear, no UDP header
        String first = "45000024" + "beef2000" + "40110000" + "0a000001" + "0a000002" + "0035c000" + "00100000";
        String last = "45000020" + "beef00b9" + "40110000" + "0a000002" + "0a000001" + "01020304";
        long h = hash(LinkTypes.LINKTYPE_IPV4, first);
        assertEquals(h, hash(LinkTypes.LINKTYPE_IPV4, last));
        assertEquals(h, hash(LinkTypes.LINKTYPE_RAW, last, FlowRule.UDP_BY_ADDRESSES));
    }
}
