package dev.packetipc.reliability;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** What a reliability test injects and the bound it checks, for the table in docs/reliability.md. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Proves {
    /** What the test does to the system. */
    String injects();

    /** The bound or property it checks. */
    String bound();
}
