package dev.packetipc.flow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The symmetric flow hash of a captured packet, read in place from its buffer with absolute gets: nothing is
 * allocated, nothing is thrown for malformed input, and the buffer's position, limit and byte order are left alone.
 *
 * <p>What is read:
 *
 * <ul>
 *   <li>the link layer of {@link LinkTypes}: Ethernet with any number of 802.1Q ({@code 0x8100}), 802.1ad
 *       ({@code 0x88a8}) and {@code 0x9100} tags (so QinQ), Linux cooked captures (SLL, SLL2, tags after them
 *       too), raw IP;
 *   <li>IPv4 (options skipped by the header length; an AH header walked) and IPv6 with its hop-by-hop, routing,
 *       destination options, fragment and AH extension headers walked (at most {@value #MAX_IPV6_HEADERS});
 *   <li>TCP, UDP and SCTP ports, used as the {@link FlowRule} says; ICMP, ICMPv6 and every other protocol by
 *       addresses and protocol only.
 * </ul>
 *
 * <p>The key is the two endpoints (address, and port where used) put in a fixed order, then the protocol, so both
 * directions of a flow hash alike. Addresses are taken as they stand in the IP header (an IPv6 routing header's
 * final destination is not used). The hash is not keyed: traffic crafted to collide can load one worker.
 *
 * <p>A packet is {@link #UNCLASSIFIED} when it is not IP (ARP, LLDP, MPLS, PPPoE, ...), its link type is not
 * supported, or the bytes the key needs are not all there (truncated or malformed headers, a version field that
 * contradicts the EtherType).
 */
public final class FlowHash {
    /** What {@link #hash} returns for a packet it cannot key; every real hash is at least 0. */
    public static final long UNCLASSIFIED = -1;

    /** How many IPv6 extension headers are walked before the packet counts as unclassified. */
    public static final int MAX_IPV6_HEADERS = 16;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_QINQ_OLD = 0x9100;

    private static final int PROTO_HOPOPTS = 0;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_ROUTING = 43;
    private static final int PROTO_FRAGMENT = 44;
    private static final int PROTO_AH = 51;
    private static final int PROTO_DSTOPTS = 60;
    private static final int PROTO_SCTP = 132;

    private static final long K1 = 0x9E3779B97F4A7C15L;
    private static final long K2 = 0xC2B2AE3D27D4EB4FL;
    private static final long K3 = 0x165667B19E3779F9L;
    private static final long K4 = 0xD6E8FEB86659FD93L;
    private static final long K5 = 0xFF51AFD7ED558CCDL;

    private FlowHash() {}

    /**
     * The flow hash of the packet in {@code buffer} from {@code offset} (absolute) for {@code length} bytes.
     *
     * @param buffer holds the packet; its position and limit are not changed, its byte order is honoured
     * @param offset the absolute index of the packet's first byte
     * @param length the packet's length in bytes
     * @param linkType the capture's link type, one of {@link LinkTypes}; any other makes every packet unclassified
     * @param rule which fields make the key
     * @return a hash of at least 0, equal for both directions of a flow, or {@link #UNCLASSIFIED}
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} lie outside the buffer's limit
     */
    public static long hash(ByteBuffer buffer, int offset, int length, int linkType, FlowRule rule) {
        if (offset < 0 || length < 0 || offset > buffer.limit() - length) {
            throw new IndexOutOfBoundsException(
                    "offset " + offset + " and length " + length + " are outside the buffer's limit " + buffer.limit());
        }
        boolean little = buffer.order() == ByteOrder.LITTLE_ENDIAN;
        int end = offset + length;
        int p;
        int etherType;
        switch (linkType) {
            case LinkTypes.LINKTYPE_ETHERNET:
                p = offset + 14;
                if (p > end) {
                    return UNCLASSIFIED;
                }
                etherType = u16(buffer, offset + 12);
                break;
            case LinkTypes.LINKTYPE_LINUX_SLL:
                p = offset + 16;
                if (p > end) {
                    return UNCLASSIFIED;
                }
                etherType = u16(buffer, offset + 14);
                break;
            case LinkTypes.LINKTYPE_LINUX_SLL2:
                p = offset + 20;
                if (p > end) {
                    return UNCLASSIFIED;
                }
                etherType = u16(buffer, offset);
                break;
            case LinkTypes.LINKTYPE_RAW:
                if (offset >= end) {
                    return UNCLASSIFIED;
                }
                int version = (buffer.get(offset) & 0xF0) >>> 4;
                return version == 4
                        ? ipv4(buffer, offset, end, rule, little)
                        : version == 6 ? ipv6(buffer, offset, end, rule, little) : UNCLASSIFIED;
            case LinkTypes.LINKTYPE_IPV4:
                return ipv4(buffer, offset, end, rule, little);
            case LinkTypes.LINKTYPE_IPV6:
                return ipv6(buffer, offset, end, rule, little);
            default:
                return UNCLASSIFIED;
        }
        while (etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ || etherType == ETHERTYPE_QINQ_OLD) {
            if (p + 4 > end) {
                return UNCLASSIFIED;
            }
            etherType = u16(buffer, p + 2); // a tag is 2 bytes of priority and VLAN id, then the next EtherType
            p += 4;
        }
        if (etherType == ETHERTYPE_IPV4) {
            return ipv4(buffer, p, end, rule, little);
        }
        if (etherType == ETHERTYPE_IPV6) {
            return ipv6(buffer, p, end, rule, little);
        }
        return UNCLASSIFIED;
    }

    private static long ipv4(ByteBuffer b, int p, int end, FlowRule rule, boolean little) {
        if (p + 20 > end) {
            return UNCLASSIFIED;
        }
        int first = b.get(p) & 0xFF;
        int headerLength = (first & 0x0F) << 2;
        if (first >>> 4 != 4 || headerLength < 20 || p + headerLength > end) {
            return UNCLASSIFIED;
        }
        int protocol = b.get(p + 9) & 0xFF;
        long src = u32(b, p + 12, little);
        long dst = u32(b, p + 16, little);
        if ((u16(b, p + 6) & 0x3FFF) != 0) { // MF set or a fragment offset: a fragment, keyed without ports
            return finish(0, src, 0, dst, 0, 0, protocol);
        }
        int l4 = p + headerLength;
        if (protocol == PROTO_AH) {
            if (l4 + 2 > end) {
                return UNCLASSIFIED;
            }
            protocol = b.get(l4) & 0xFF;
            l4 += ((b.get(l4 + 1) & 0xFF) + 2) << 2;
        }
        return transport(b, l4, end, rule, 0, src, 0, dst, protocol);
    }

    private static long ipv6(ByteBuffer b, int p, int end, FlowRule rule, boolean little) {
        if (p + 40 > end || (b.get(p) & 0xF0) != 0x60) {
            return UNCLASSIFIED;
        }
        int next = b.get(p + 6) & 0xFF;
        long src0 = u64(b, p + 8, little);
        long src1 = u64(b, p + 16, little);
        long dst0 = u64(b, p + 24, little);
        long dst1 = u64(b, p + 32, little);
        int q = p + 40;
        for (int headers = 0; headers <= MAX_IPV6_HEADERS; headers++) {
            switch (next) {
                case PROTO_HOPOPTS:
                case PROTO_ROUTING:
                case PROTO_DSTOPTS:
                    if (q + 2 > end) {
                        return UNCLASSIFIED;
                    }
                    next = b.get(q) & 0xFF;
                    q += ((b.get(q + 1) & 0xFF) + 1) << 3;
                    break;
                case PROTO_AH:
                    if (q + 2 > end) {
                        return UNCLASSIFIED;
                    }
                    next = b.get(q) & 0xFF;
                    q += ((b.get(q + 1) & 0xFF) + 2) << 2;
                    break;
                case PROTO_FRAGMENT:
                    if (q + 4 > end) {
                        return UNCLASSIFIED;
                    }
                    next = b.get(q) & 0xFF;
                    if ((u16(b, q + 2) & 0xFFF9) != 0) { // offset or M set: a real fragment, keyed without ports
                        return finish(src0, src1, dst0, dst1, 0, 0, next);
                    }
                    q += 8; // an atomic fragment (RFC 6946) is a whole datagram: go on to what it carries
                    break;
                default:
                    return transport(b, q, end, rule, src0, src1, dst0, dst1, next);
            }
        }
        return UNCLASSIFIED;
    }

    private static long transport(
            ByteBuffer b, int l4, int end, FlowRule rule, long s0, long s1, long d0, long d1, int protocol) {
        boolean ports;
        switch (protocol) {
            case PROTO_TCP:
            case PROTO_SCTP:
                ports = rule != FlowRule.ADDRESSES_AND_PROTOCOL;
                break;
            case PROTO_UDP:
                ports = rule == FlowRule.FIVE_TUPLE;
                break;
            default:
                ports = false;
        }
        if (!ports) {
            return finish(s0, s1, d0, d1, 0, 0, protocol);
        }
        if (l4 + 4 > end) {
            return UNCLASSIFIED;
        }
        return finish(s0, s1, d0, d1, u16(b, l4), u16(b, l4 + 2), protocol);
    }

    /** Orders the endpoints, then mixes them: independent multiplies, then one finalizer (MurmurHash3's fmix64). */
    private static long finish(long s0, long s1, long d0, long d1, int sport, int dport, int protocol) {
        int order = Long.compareUnsigned(s0, d0);
        if (order == 0) {
            order = Long.compareUnsigned(s1, d1);
            if (order == 0) {
                order = Integer.compare(sport, dport);
            }
        }
        long h;
        if (order <= 0) {
            h = s0 * K1 + s1 * K2 + d0 * K3 + d1 * K4 + (((long) protocol << 32) | ((long) sport << 16) | dport) * K5;
        } else {
            h = d0 * K1 + d1 * K2 + s0 * K3 + s1 * K4 + (((long) protocol << 32) | ((long) dport << 16) | sport) * K5;
        }
        return mix(h) >>> 1;
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        x ^= x >>> 33;
        return x;
    }

    private static int u16(ByteBuffer b, int i) {
        return ((b.get(i) & 0xFF) << 8) | (b.get(i + 1) & 0xFF);
    }

    private static long u32(ByteBuffer b, int i, boolean little) {
        int v = b.getInt(i);
        return (little ? Integer.reverseBytes(v) : v) & 0xFFFFFFFFL;
    }

    private static long u64(ByteBuffer b, int i, boolean little) {
        long v = b.getLong(i);
        return little ? Long.reverseBytes(v) : v;
    }
}
