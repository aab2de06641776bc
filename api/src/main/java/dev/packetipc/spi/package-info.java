/**
 * Building blocks for transport implementers: a client base class that turns one primitive into the whole
 * {@link dev.packetipc.Client} contract, the reusable packet flyweight, and helpers shared by the transports.
 * Users of the library do not need this package.
 */
package dev.packetipc.spi;
