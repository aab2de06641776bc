package dev.packetipc.conformance;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a rule that freezes a child JVM with SIGSTOP ({@link ChildJvm#freeze()}): it is reported as skipped where
 * that cannot be done (Windows).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface FreezesAProcess {}
