package org.kcallout.mdx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.kcallout.CalloutFunc;

/**
 * A callout with a recording handler for the tests: when it fires it notes the time, its own
 * fields as the handler sees them, and its place in a shared firing order; then it runs an optional
 * action (to arm or cancel from inside the handler).
 */
final class Probe {
    /** The handler, built once (STYLE habit 6). */
    static final CalloutFunc<Probe> FIRE = Probe::fire;

    final String name;
    final MdxCallout c = new MdxCallout();
    private final LongSupplier clock;
    private final List<Probe> order;
    final List<Long> firedAt = new ArrayList<>();
    long ticksAtEntry = Long.MIN_VALUE;
    int stateAtEntry = -1;
    boolean activeAtEntry;
    int cpuAtEntry = -1;
    Runnable action = () -> { };
    MdxCallouts mdx;

    Probe(String name, LongSupplier clock, List<Probe> order) {
        this.name = name;
        this.clock = clock;
        this.order = order;
    }

    private void fire() {
        firedAt.add(clock.getAsLong());
        ticksAtEntry = c.ticks();
        stateAtEntry = c.state();
        activeAtEntry = c.active();
        if (mdx != null) {
            cpuAtEntry = mdx.curcpu();
        }
        order.add(this);
        action.run();
    }

    int fired() {
        return firedAt.size();
    }

    @Override
    public String toString() {
        return name;
    }
}
