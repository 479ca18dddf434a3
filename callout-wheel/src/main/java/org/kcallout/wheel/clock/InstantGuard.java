package org.kcallout.wheel.clock;

import org.kcallout.Sbt;

/**
 * The livelock guard of {@link VirtualTimebase#advanceTo}, the one virtual time line: counts the events delivered at one
 * virtual instant and gives up, with a message, when something keeps re-arming at the current time
 * (a handler that re-arms itself in the past, IPIs that raise IPIs), instead of spinning forever.
 * One per time base, reset at the start of each {@code advanceTo}, used under its advance lock.
 */
final class InstantGuard {
    /** Events delivered at one instant before advance gives up. */
    static final int MAX_EVENTS_PER_INSTANT = 1_000_000;

    private long instant = -1;
    private int count;

    /** Forgets the previous advance. */
    void reset() {
        instant = -1;
        count = 0;
    }

    /**
     * Records {@code n} events delivered at {@code t}.
     *
     * @throws IllegalStateException if more than {@link #MAX_EVENTS_PER_INSTANT} happened at {@code t}
     */
    void count(long t, int n, String what) {
        if (t == instant) {
            count += n;
        } else {
            instant = t;
            count = n;
        }
        if (count > MAX_EVENTS_PER_INSTANT) {
            throw new IllegalStateException("advanceTo: " + MAX_EVENTS_PER_INSTANT + " " + what + " at "
                    + Sbt.format(t) + ": something keeps re-arming at the current time");
        }
    }
}
