package dev.packetipc.flow;

/**
 * The pcap link types that {@link FlowHash} understands, with the names and numbers of the
 * <a href="https://www.tcpdump.org/linktypes.html">tcpdump.org list</a> (the value in a pcap file's header or a
 * pcapng interface description).
 */
public final class LinkTypes {
    /** Ethernet II, with any number of 802.1Q, 802.1ad or 0x9100 VLAN tags before the EtherType. */
    public static final int LINKTYPE_ETHERNET = 1;

    /** Raw IP: the packet starts with an IPv4 or IPv6 header, told apart by its version field. */
    public static final int LINKTYPE_RAW = 101;

    /** Linux "cooked" capture, version 1: a 16-byte header whose last two bytes are the EtherType. */
    public static final int LINKTYPE_LINUX_SLL = 113;

    /** Raw IPv4: the packet starts with an IPv4 header. */
    public static final int LINKTYPE_IPV4 = 228;

    /** Raw IPv6: the packet starts with an IPv6 header. */
    public static final int LINKTYPE_IPV6 = 229;

    /** Linux "cooked" capture, version 2: a 20-byte header whose first two bytes are the EtherType. */
    public static final int LINKTYPE_LINUX_SLL2 = 276;

    private LinkTypes() {}

    /**
     * Whether {@link FlowHash} reads packets of this link type (all others are unclassified).
     *
     * @param linkType a pcap link type number
     * @return true for the link types listed in this class
     */
    public static boolean isSupported(int linkType) {
        switch (linkType) {
            case LINKTYPE_ETHERNET:
            case LINKTYPE_RAW:
            case LINKTYPE_LINUX_SLL:
            case LINKTYPE_IPV4:
            case LINKTYPE_IPV6:
            case LINKTYPE_LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }

    /**
     * The pcap name of a supported link type, e.g. {@code LINKTYPE_ETHERNET}, else {@code LINKTYPE_<number>}.
     *
     * @param linkType a pcap link type number
     * @return the link type's pcap name, or {@code LINKTYPE_} followed by the number
     */
    public static String name(int linkType) {
        switch (linkType) {
            case LINKTYPE_ETHERNET:
                return "LINKTYPE_ETHERNET";
            case LINKTYPE_RAW:
                return "LINKTYPE_RAW";
            case LINKTYPE_LINUX_SLL:
                return "LINKTYPE_LINUX_SLL";
            case LINKTYPE_IPV4:
                return "LINKTYPE_IPV4";
            case LINKTYPE_IPV6:
                return "LINKTYPE_IPV6";
            case LINKTYPE_LINUX_SLL2:
                return "LINKTYPE_LINUX_SLL2";
            default:
                return "LINKTYPE_" + linkType;
        }
    }
}
