package dev.packetipc.flow;

import dev.packetipc.flow.Packets.Dress;
import dev.packetipc.flow.Packets.Ext;
import dev.packetipc.flow.Packets.Flow;
import dev.packetipc.flow.Packets.Frag;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators of every header shape {@link FlowHash} reads. */
final class Generators {
    private Generators() {}

    static Arbitrary<Integer> linkTypes() {
        return Arbitraries.of(
                LinkTypes.LINKTYPE_ETHERNET,
                LinkTypes.LINKTYPE_RAW,
                LinkTypes.LINKTYPE_LINUX_SLL,
                LinkTypes.LINKTYPE_LINUX_SLL2,
                LinkTypes.LINKTYPE_IPV4,
                LinkTypes.LINKTYPE_IPV6);
    }

    static Arbitrary<FlowRule> rules() {
        return Arbitraries.of(FlowRule.class);
    }

    /**
     * Flows of the link type; addresses and ports drawn from small pools too, so that equal addresses (loopback)
     * and equal ports, where only the other field orders the endpoints, come up often.
     */
    static Arbitrary<Flow> flows(int linkType) {
        Arbitrary<Boolean> v6 = linkType == LinkTypes.LINKTYPE_IPV4
                ? Arbitraries.just(false)
                : linkType == LinkTypes.LINKTYPE_IPV6 ? Arbitraries.just(true) : Arbitraries.of(false, true);
        Arbitrary<Long> word = Arbitraries.oneOf(Arbitraries.longs().between(0, 3), Arbitraries.longs());
        Arbitrary<Integer> port = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 65535));
        Arbitrary<Integer> protocol = Arbitraries.of(
                Packets.TCP, Packets.UDP, Packets.SCTP, Packets.ICMP, Packets.GRE, Packets.ESP, Packets.EXPERIMENTAL);
        Arbitrary<Flow> any = Combinators.combine(v6, word, word, word, word, protocol, port, port)
                .as((six, sHi, sLo, dHi, dLo, proto, sport, dport) -> six
                        ? new Flow(true, sHi, sLo, dHi, dLo, proto, sport, dport)
                        : new Flow(false, 0, sLo & 0xFFFFFFFFL, 0, dLo & 0xFFFFFFFFL, proto, sport, dport));
        // one in four talks to itself (as on loopback): then only the ports order the endpoints
        return Combinators.combine(any, Arbitraries.integers().between(0, 3))
                .as((flow, loop) -> loop > 0
                        ? flow
                        : new Flow(
                                flow.v6(),
                                flow.srcHi(),
                                flow.srcLo(),
                                flow.srcHi(),
                                flow.srcLo(),
                                flow.protocol(),
                                flow.sport(),
                                flow.dport()));
    }

    static Arbitrary<Dress> dresses() {
        return dresses(Arbitraries.of(Frag.class));
    }

    static Arbitrary<Dress> wholeDresses() {
        return dresses(Arbitraries.just(Frag.NONE));
    }

    static Arbitrary<Dress> dresses(Arbitrary<Frag> frags) {
        Arbitrary<Integer> tag = Arbitraries.of(0x8100, 0x88A8, 0x9100);
        return Combinators.combine(
                        Arbitraries.of(false, true),
                        tag.list().ofMaxSize(3),
                        Arbitraries.integers().between(0, 10),
                        Arbitraries.of(false, true),
                        Arbitraries.of(Ext.class).list().ofMaxSize(4),
                        Arbitraries.integers().between(0, 4).list().ofMinSize(1).ofMaxSize(4),
                        frags,
                        Arbitraries.integers().between(0, 40))
                .flatAs((reverse, tags, words, ah, headers, units, frag, payload) -> Arbitraries.longs()
                        .map(fill -> new Dress(reverse, tags, words, ah, headers, units, frag, payload, fill)));
    }
}
