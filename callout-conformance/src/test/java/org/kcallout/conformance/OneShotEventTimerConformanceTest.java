package org.kcallout.conformance;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.kcallout.Profile;

/** The kit on kcallout itself, on the eventtimers(9) clock source on a virtual driver, one-shot. */
final class OneShotEventTimerConformanceTest extends CalloutConformance {
    @Override
    protected CalloutHarness newHarness(Profile profile, int ncpus) {
        return new WheelHarness(WheelHarness.Kind.EVENT_TIMER_ONESHOT, profile, ncpus, UnaryOperator.identity());
    }

    @Override
    protected Set<Capability> capabilities() {
        return EnumSet.of(Capability.CLASSIC, Capability.SMP, Capability.ASYNC_DRAIN); // handlers on the advancing thread
    }
}
