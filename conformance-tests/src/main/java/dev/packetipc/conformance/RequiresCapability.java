package dev.packetipc.conformance;

import dev.packetipc.TransportCapability;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an optional rule: it runs only for transports whose {@link dev.packetipc.IpcTransport#capabilities()}
 * include this capability, and is reported as skipped, with the reason, for the others.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RequiresCapability {
    /**
     * The capability the rule needs.
     *
     * @return the capability
     */
    TransportCapability value();
}
