package dev.packetipc.flow;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Builds captured packets byte by byte for the flow tests, from the protocol specifications (Ethernet and 802.1Q,
 * Linux SLL and SLL2, RFC 791, RFC 8200, RFC 4302, RFC 793/768/4960), independently of {@link FlowHash}.
 */
final class Packets {
    static final int TCP = 6;
    static final int UDP = 17;
    static final int SCTP = 132;
    static final int ICMP = 1;
    static final int ICMPV6 = 58;
    static final int GRE = 47;
    static final int ESP = 50;
    static final int EXPERIMENTAL = 253;

    /** IPv6 extension headers the builder can put before the upper layer. */
    enum Ext {
        HOP_BY_HOP(0),
        ROUTING(43),
        DESTINATION(60),
        AH(51),
        ATOMIC_FRAGMENT(44);

        final int number;

        Ext(int number) {
            this.number = number;
        }
    }

    /** Where a packet lies in its datagram. */
    enum Frag {
        NONE,
        FIRST,
        MIDDLE,
        LAST
    }

    /** One conversation: the fields of its key, as seen in the forward direction. */
    record Flow(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int sport, int dport) {
        int upper() {
            return protocol == ICMP && v6 ? ICMPV6 : protocol;
        }

        boolean hasPorts() {
            return protocol == TCP || protocol == UDP || protocol == SCTP;
        }
    }

    /** How one packet of a flow is dressed: everything the key must not depend on, and its fragment position. */
    record Dress(
            boolean reverse,
            List<Integer> vlanTags,
            int ipv4OptionWords,
            boolean ipv4Ah,
            List<Ext> ipv6Headers,
            List<Integer> extUnits,
            Frag frag,
            int payload,
            long fill) {}

    /** A built packet and where the bytes its key needs end (without and with ports). */
    record Built(byte[] bytes, int addressKeyEnd, int l4) {
        int keyEnd(boolean ports) {
            return ports ? l4 + 4 : addressKeyEnd;
        }
    }

    private Packets() {}

    /** Whether the key uses the ports, as {@link FlowRule} documents it. */
    static boolean usesPorts(Flow flow, Frag frag, FlowRule rule) {
        if (frag != Frag.NONE || !flow.hasPorts()) {
            return false;
        }
        switch (rule) {
            case FIVE_TUPLE:
                return true;
            case UDP_BY_ADDRESSES:
                return flow.protocol() != UDP;
            default:
                return false;
        }
    }

    /**
     * The flow key the rule documents, direction-free: protocol, then both endpoints (address, port when used) in
     * a fixed order. Packets with equal model keys must hash alike.
     */
    static String modelKey(Flow flow, Frag frag, FlowRule rule) {
        boolean ports = usesPorts(flow, frag, rule);
        String a = String.format(
                "%s/%016x%016x/%d", flow.v6() ? "6" : "4", flow.srcHi(), flow.srcLo(), ports ? flow.sport() : 0);
        String b = String.format(
                "%s/%016x%016x/%d", flow.v6() ? "6" : "4", flow.dstHi(), flow.dstLo(), ports ? flow.dport() : 0);
        return flow.upper() + ":" + (a.compareTo(b) <= 0 ? a + "|" + b : b + "|" + a);
    }

    static Built build(int linkType, Flow flow, Dress dress) {
        Random random = new Random(dress.fill());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int etherType = flow.v6() ? 0x86DD : 0x0800;
        List<Integer> tags = dress.vlanTags();
        int firstType = tags.isEmpty() ? etherType : tags.get(0);
        switch (linkType) {
            case LinkTypes.LINKTYPE_ETHERNET:
                filler(out, random, 12); // destination and source MAC
                u16(out, firstType);
                break;
            case LinkTypes.LINKTYPE_LINUX_SLL:
                u16(out, random.nextInt(5)); // packet type
                u16(out, 1); // ARPHRD_ETHER
                u16(out, 6); // address length
                filler(out, random, 8); // address, padded to 8
                u16(out, firstType);
                break;
            case LinkTypes.LINKTYPE_LINUX_SLL2:
                u16(out, firstType);
                u16(out, 0); // reserved
                filler(out, random, 4); // interface index
                u16(out, 1); // ARPHRD_ETHER
                out.write(random.nextInt(5)); // packet type
                out.write(6); // address length
                filler(out, random, 8);
                break;
            default: // raw IP: no link header and no tags
                tags = List.of();
        }
        for (int i = 0; i < tags.size(); i++) {
            filler(out, random, 2); // priority, DEI, VLAN id
            u16(out, i + 1 < tags.size() ? tags.get(i + 1) : etherType);
        }
        int ipStart = out.size();
        return flow.v6() ? ipv6(out, random, flow, dress, ipStart) : ipv4(out, random, flow, dress, ipStart);
    }

    private static Built ipv4(ByteArrayOutputStream out, Random random, Flow flow, Dress dress, int ipStart) {
        boolean reverse = dress.reverse();
        int ihl = 5 + dress.ipv4OptionWords();
        boolean ah = dress.ipv4Ah() && dress.frag() == Frag.NONE;
        out.write(0x40 | ihl);
        out.write(random.nextInt(256)); // DSCP, ECN
        u16(out, random.nextInt(65536)); // total length: not read
        u16(out, random.nextInt(65536)); // identification
        int flags;
        switch (dress.frag()) {
            case FIRST:
                flags = 0x2000;
                break;
            case MIDDLE:
                flags = 0x2000 | (1 + random.nextInt(0x1FFE));
                break;
            case LAST:
                flags = 1 + random.nextInt(0x1FFE);
                break;
            default:
                flags = random.nextBoolean() ? 0x4000 : 0; // DF or nothing
        }
        u16(out, flags);
        out.write(random.nextInt(256)); // TTL
        out.write(ah ? 51 : flow.upper());
        u16(out, random.nextInt(65536)); // checksum: not read
        u32(out, (int) (reverse ? flow.dstLo() : flow.srcLo()));
        u32(out, (int) (reverse ? flow.srcLo() : flow.dstLo()));
        filler(out, random, 4 * dress.ipv4OptionWords());
        int addressKeyEnd = out.size();
        if (ah) {
            int units = 1 + dress.extUnits().get(0) % 5;
            addressKeyEnd = out.size() + 2;
            out.write(flow.upper());
            out.write(units);
            filler(out, random, (units + 2) * 4 - 2);
        }
        int l4 = out.size();
        upper(out, random, flow, dress);
        return new Built(out.toByteArray(), addressKeyEnd, l4);
    }

    private static Built ipv6(ByteArrayOutputStream out, Random random, Flow flow, Dress dress, int ipStart) {
        boolean reverse = dress.reverse();
        List<Ext> headers = dress.ipv6Headers();
        boolean fragment = dress.frag() != Frag.NONE;
        int first = headers.isEmpty() ? (fragment ? 44 : flow.upper()) : headers.get(0).number;
        u32(out, 0x60000000 | random.nextInt(1 << 28)); // version, traffic class, flow label
        u16(out, random.nextInt(65536)); // payload length: not read
        out.write(first);
        out.write(random.nextInt(256)); // hop limit
        u64(out, reverse ? flow.dstHi() : flow.srcHi());
        u64(out, reverse ? flow.dstLo() : flow.srcLo());
        u64(out, reverse ? flow.srcHi() : flow.dstHi());
        u64(out, reverse ? flow.srcLo() : flow.dstLo());
        int addressKeyEnd = out.size();
        for (int i = 0; i < headers.size(); i++) {
            int next = i + 1 < headers.size() ? headers.get(i + 1).number : fragment ? 44 : flow.upper();
            int units = dress.extUnits().get(i % dress.extUnits().size());
            Ext ext = headers.get(i);
            addressKeyEnd = out.size() + (ext == Ext.ATOMIC_FRAGMENT ? 4 : 2);
            out.write(next);
            switch (ext) {
                case AH:
                    out.write(units * 2); // (n + 2) * 4 bytes: a multiple of 8, as IPv6 wants
                    filler(out, random, (units * 2 + 2) * 4 - 2);
                    break;
                case ATOMIC_FRAGMENT:
                    out.write(random.nextInt(256)); // reserved
                    u16(out, random.nextInt(4) << 1); // offset 0, the reserved bits anything, M clear
                    filler(out, random, 4); // identification
                    break;
                default:
                    out.write(units);
                    filler(out, random, (units + 1) * 8 - 2);
            }
        }
        if (fragment) {
            addressKeyEnd = out.size() + 4;
            out.write(flow.upper());
            out.write(random.nextInt(256));
            int offset = dress.frag() == Frag.FIRST ? 0 : 1 + random.nextInt(0x1FFE);
            int more = dress.frag() == Frag.LAST ? 0 : 1;
            u16(out, offset << 3 | random.nextInt(4) << 1 | more);
            filler(out, random, 4);
        }
        int l4 = out.size();
        upper(out, random, flow, dress);
        return new Built(out.toByteArray(), addressKeyEnd, l4);
    }

    /** The upper-layer header (only in a whole datagram or its first fragment), then the payload. */
    private static void upper(ByteArrayOutputStream out, Random random, Flow flow, Dress dress) {
        if (dress.frag() == Frag.NONE || dress.frag() == Frag.FIRST) {
            if (flow.hasPorts()) {
                u16(out, dress.reverse() ? flow.dport() : flow.sport());
                u16(out, dress.reverse() ? flow.sport() : flow.dport());
                filler(out, random, flow.protocol() == TCP ? 16 : flow.protocol() == UDP ? 4 : 8);
            } else {
                filler(out, random, 8);
            }
        }
        filler(out, random, dress.payload());
    }

    /** An ARP request over Ethernet (or after a cooked header): never IP. */
    static byte[] arp(int linkType, long fill) {
        Random random = new Random(fill);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (linkType == LinkTypes.LINKTYPE_LINUX_SLL2) {
            u16(out, 0x0806);
            filler(out, random, 18);
        } else if (linkType == LinkTypes.LINKTYPE_LINUX_SLL) {
            filler(out, random, 14);
            u16(out, 0x0806);
        } else if (linkType == LinkTypes.LINKTYPE_ETHERNET) {
            filler(out, random, 12);
            u16(out, 0x0806);
        } else {
            out.write(0x10 | random.nextInt(16)); // raw IP: a version field of 1
        }
        filler(out, random, 28);
        return out.toByteArray();
    }

    private static void filler(ByteArrayOutputStream out, Random random, int n) {
        for (int i = 0; i < n; i++) {
            out.write(random.nextInt(256));
        }
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        u16(out, v >>> 16);
        u16(out, v & 0xFFFF);
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        u32(out, (int) (v >>> 32));
        u32(out, (int) v);
    }

    static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : Objects.requireNonNull(bytes)) {
            text.append(String.format("%02x", b & 0xFF));
        }
        return text.toString();
    }
}
