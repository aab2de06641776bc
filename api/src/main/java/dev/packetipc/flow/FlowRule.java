package dev.packetipc.flow;

/**
 * Which header fields make a packet's flow key. Every rule is symmetric (both directions give one key) and hashes
 * every IP fragment (IPv4 with MF set or a non-zero offset, IPv6 with a non-atomic fragment header) by its addresses
 * and protocol only, because only the first fragment carries ports: so all fragments of one datagram share a key.
 *
 * <p>The rules differ in what else that costs. A flow whose packets are sometimes fragmented and sometimes not has two
 * keys under a rule that uses its ports, and so may be split between two workers; its order across the two is then
 * not kept. Pick the rule by which traffic may be fragmented.
 */
public enum FlowRule {
    /**
     * TCP, UDP and SCTP by addresses, protocol and ports; every other packet, and every fragment, by addresses and
     * protocol. The best spread, as Linux {@code PACKET_FANOUT_HASH} without defragmentation; a UDP flow whose
     * datagrams are sometimes fragmented (DNS with EDNS, tunnels, NFS) has its fragmented datagrams at the worker of
     * its address pair, which may not be its flow's worker.
     */
    FIVE_TUPLE,

    /**
     * The default. TCP and SCTP by addresses, protocol and ports; UDP, every other protocol and every fragment by
     * addresses and protocol. Every UDP datagram between two hosts, fragmented or not, lands at one worker in order,
     * as an intrusion-detection engine needs when it does not see traffic defragmented. The cost: UDP between one
     * pair of hosts (a tunnel, or everything on loopback) is not spread at all. TCP and SCTP set "don't fragment"
     * and are rarely fragmented; a TCP or SCTP fragment that does occur lands at its address pair's worker.
     */
    UDP_BY_ADDRESSES,

    /**
     * Every packet by addresses and protocol, ports never used: nothing of a host pair's traffic in one protocol is
     * ever split, fragments of TCP included, at the price of the least spread.
     */
    ADDRESSES_AND_PROTOCOL
}
