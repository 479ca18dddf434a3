package org.kcallout.wheel.seam;

import java.util.function.Function;

/**
 * Hands the callout layer the {@link ClockPort} of a public clock object, whose port methods are
 * not public (the JDK's shared-secrets pattern: the clock package installs the lookup when its
 * base class initialises, so this package needs no type of it).
 */
public final class ClockPorts {
    private static volatile Function<Object, ClockPort> lookup;

    private ClockPorts() {
    }

    /**
     * Installs the lookup; once, by the clock package.
     *
     * @param f maps a clock object to its port
     */
    public static void install(Function<Object, ClockPort> f) {
        if (lookup != null) {
            throw new IllegalStateException("ClockPorts: lookup already installed");
        }
        lookup = f;
    }

    /**
     * The port of {@code clock}.
     *
     * @param clock a clock object of the clock package (its class is initialised: it exists)
     * @return its port
     */
    public static ClockPort of(Object clock) {
        return lookup.apply(clock);
    }
}
