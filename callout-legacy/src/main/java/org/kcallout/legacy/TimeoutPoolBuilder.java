package org.kcallout.legacy;

import org.kcallout.CalloutSystem;

/** Configures and builds a {@link TimeoutPool} ({@link TimeoutPool#builder(CalloutSystem)}). */
public final class TimeoutPoolBuilder {
    final CalloutSystem sys;
    int ncallout = TimeoutPool.NCALLOUT_DEFAULT;
    boolean generationChecked;

    TimeoutPoolBuilder(CalloutSystem sys) {
        this.sys = sys; // checked by builder()
    }

    /**
     * {@code ncallout}: the number of preallocated entries, i.e. the most timeouts outstanding at
     * once (default {@link TimeoutPool#NCALLOUT_DEFAULT}).
     *
     * @param n the number of entries, 1 to {@link TimeoutPool#NCALLOUT_MAX}
     * @return this
     * @throws IllegalArgumentException if {@code n} is out of range; the builder is unchanged
     */
    public TimeoutPoolBuilder ncallout(int n) {
        if (n < 1 || n > TimeoutPool.NCALLOUT_MAX) {
            throw new IllegalArgumentException("timeout pool: ncallout must be in [1, " + TimeoutPool.NCALLOUT_MAX
                    + "], got " + n);
        }
        this.ncallout = n;
        return this;
    }

    /**
     * Generation-checked handles, a deviation from FreeBSD (default false): each handle also
     * records which use of its entry it was made for, and {@link TimeoutPool#untimeout} with a
     * handle whose entry has since been handed out again does nothing, even when function and
     * argument match. Costs nothing measurable (one {@code long} per entry and handle).
     *
     * @param checked true for generation-checked handles
     * @return this
     */
    public TimeoutPoolBuilder generationChecked(boolean checked) {
        this.generationChecked = checked;
        return this;
    }

    /**
     * Allocates and initialises the entries ({@code callout_init(c, 0)} each) on the system's
     * default CPU.
     *
     * @return the pool
     * @throws IllegalStateException if the system is closed
     */
    public TimeoutPool build() {
        return new TimeoutPool(this);
    }
}
