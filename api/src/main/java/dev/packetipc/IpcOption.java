package dev.packetipc;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * A typed, named setting for a server or a client, in the style of Netty's {@code ChannelOption}. Options common to
 * every transport are the constants of {@link IpcOptions}; a transport declares its own keys beside its provider.
 *
 * @param <T> the type of the value
 */
public final class IpcOption<T> {
    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final Predicate<? super T> validator;
    private final String requirement;

    private IpcOption(String name, Class<T> type, T defaultValue, Predicate<? super T> validator, String requirement) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = defaultValue;
        this.validator = validator;
        this.requirement = requirement;
    }

    /**
     * Declares an option.
     *
     * @param name a dotted name, unique across transports, e.g. {@code "unix.allowedUids"}
     * @param type the type of the value
     * @param defaultValue the value when none is set (may be {@code null} where documented)
     * @param validator accepts the legal values
     * @param requirement what the validator requires, for the error message, e.g. {@code "a positive number"}
     * @param <T> the type of the value
     * @return the option
     */
    public static <T> IpcOption<T> of(
            String name, Class<T> type, T defaultValue, Predicate<? super T> validator, String requirement) {
        return new IpcOption<>(name, type, defaultValue, validator, requirement);
    }

    /**
     * The option's name.
     *
     * @return the dotted name, e.g. {@code "unix.allowedUids"}
     */
    public String name() {
        return name;
    }

    /**
     * The value used when the option is not set.
     *
     * @return the default value (may be {@code null} where documented)
     */
    public T defaultValue() {
        return defaultValue;
    }

    T checked(T value) {
        if (!type.isInstance(value) || !validator.test(value)) {
            throw new IllegalArgumentException("option " + name + " must be " + requirement + ", but was " + value
                    + "; leave it unset for " + defaultValue);
        }
        return value;
    }

    @Override
    public String toString() {
        return name;
    }
}
