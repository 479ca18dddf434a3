package org.kcallout.conformance;

import org.kcallout.CalloutSystem;

/**
 * One system under test, on virtual time, as a case uses it: created for the case by
 * {@link CalloutConformance#newHarness}, closed when the case ends.
 *
 * <p>Time must be virtual: it moves only when {@link #advanceTicks(int)} is called, and every
 * handler due on the way has returned when the call returns, so that a case can check what ran.
 */
public interface CalloutHarness extends AutoCloseable {

    /** {@return the system under test} */
    CalloutSystem system();

    /**
     * Moves virtual time forward by {@code n} ticks ({@code n * tick_sbt}) and returns once every
     * callout due up to then has run.
     *
     * @param n ticks, {@code >= 0}
     */
    void advanceTicks(int n);

    /** Closes the system (and anything the harness started). */
    @Override
    void close();
}
