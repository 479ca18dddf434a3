package org.kcallout.conformance;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.kcallout.Profile;

/** The kit on kcallout itself, on the inline virtual clock (handlers on the advancing thread). */
final class InlineClockConformanceTest extends CalloutConformance {
    @Override
    protected CalloutHarness newHarness(Profile profile, int ncpus) {
        return new WheelHarness(WheelHarness.Kind.INLINE, profile, ncpus, UnaryOperator.identity());
    }

    @Override
    protected Set<Capability> capabilities() {
        return EnumSet.of(Capability.CLASSIC, Capability.SMP, Capability.ASYNC_DRAIN); // handlers on the advancing thread
    }
}
