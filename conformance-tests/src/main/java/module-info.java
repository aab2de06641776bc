/**
 * The conformance suite every packet-ipc transport must pass: extend
 * {@link dev.packetipc.conformance.TransportContract} in a test and implement its {@code newTransport()}.
 * {@link dev.packetipc.conformance.ChildJvm} starts peers in child JVMs for a transport's own cross-process tests.
 */
module dev.packetipc.conformance {
    requires transitive dev.packetipc.api;
    // The rules are jqwik properties; no jqwik type appears in this module's public API.
    requires net.jqwik.api;

    exports dev.packetipc.conformance;

    // jqwik calls the rules (R111 is package-private) and makes the skip hook reflectively; jqwik may be a named
    // module or on the class path, so the package is opened to every module.
    opens dev.packetipc.conformance;
}
