package dev.packetipc.conformance;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/** Makes instances of a user's contract subclass by reflection, for the skip hook and for child JVMs. */
final class Contracts {
    private Contracts() {}

    /**
     * A new instance of the contract class through its no-argument constructor (any visibility).
     *
     * @throws IllegalStateException with what to fix if the class is no contract or cannot be instantiated
     */
    static TransportContract instantiate(Class<?> contractClass) {
        if (!TransportContract.class.isAssignableFrom(contractClass)) {
            throw new IllegalStateException(contractClass.getName() + " does not extend " + TransportContract.class);
        }
        try {
            Constructor<?> constructor = contractClass.getDeclaredConstructor();
            constructor.setAccessible(true);
            return (TransportContract) constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(
                    "the constructor of " + contractClass.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    contractClass.getName() + " needs a no-argument constructor that the"
                            + " conformance suite can call (declare the class and its constructor public): " + e,
                    e);
        }
    }
}
