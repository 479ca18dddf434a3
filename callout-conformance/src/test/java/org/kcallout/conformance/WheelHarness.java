package org.kcallout.conformance;

import java.util.function.UnaryOperator;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.ConcurrentVirtualClock;
import org.kcallout.wheel.clock.VirtualClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/** kcallout's own harness: a {@link CalloutWheel} on one of its virtual clocks, optionally wrapped. */
final class WheelHarness implements CalloutHarness {
    private final CalloutWheel wheel;
    private final CalloutSystem system;
    private final VirtualClock time;

    WheelHarness(boolean concurrent, Profile profile, int ncpus, UnaryOperator<CalloutSystem> wrap) {
        VirtualTicklessClock inline = concurrent ? null : new VirtualTicklessClock();
        ConcurrentVirtualClock threads = concurrent ? new ConcurrentVirtualClock() : null;
        this.time = concurrent ? threads : inline;
        this.wheel = CalloutWheel.builder().profile(profile).ncpus(ncpus).clock(concurrent ? threads : inline).build();
        this.system = wrap.apply(wheel);
    }

    @Override
    public CalloutSystem system() {
        return system;
    }

    @Override
    public void advanceTicks(int n) {
        time.advanceTicks(n);
    }

    @Override
    public void close() {
        wheel.close();
    }
}
