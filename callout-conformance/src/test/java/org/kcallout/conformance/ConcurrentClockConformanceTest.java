package org.kcallout.conformance;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.kcallout.Profile;

/** The kit on kcallout itself, on the concurrent virtual clock (each CPU on threads of its own). */
final class ConcurrentClockConformanceTest extends CalloutConformance {
    @Override
    protected CalloutHarness newHarness(Profile profile, int ncpus) {
        return new WheelHarness(WheelHarness.Kind.CONCURRENT, profile, ncpus, UnaryOperator.identity());
    }

    @Override
    protected Set<Capability> capabilities() {
        return EnumSet.allOf(Capability.class);
    }
}
