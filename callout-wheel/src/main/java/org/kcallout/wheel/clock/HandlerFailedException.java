package org.kcallout.wheel.clock;

import java.util.Objects;
import org.kcallout.Callout;
import org.kcallout.Sbt;

/**
 * Thrown by a virtual clock's {@code advance}, {@code advanceTo} or {@code advanceTicks} when a
 * callout handler (or a drain callback) it ran threw: a handler's failure fails the test that moved
 * time, instead of only reaching a log. The handler's exception is the {@linkplain #getCause()
 * cause}; further failures of the same advance are {@linkplain #getSuppressed() suppressed}
 * exceptions of this type, in the order they happened.
 *
 * <p>Nothing is lost by the throw: the advance completes first (time reaches its target and every
 * other callout due on the way runs, as on a real clock, where a failing handler never takes the
 * softclock down), then throws. A system built with its own
 * {@code CalloutWheelBuilder.failureHook} gets its failures there instead, and the advance returns
 * normally.
 */
public final class HandlerFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The callout, not serialized: the exception is for the test that caught it. */
    private final transient Callout callout;
    private final long time;

    /**
     * @param callout the callout whose handler threw
     * @param failure what it threw
     * @param time    the virtual time when it was reported
     */
    HandlerFailedException(Callout callout, Throwable failure, long time) {
        super("callout handler threw " + failure + " at virtual time " + Sbt.format(time) + ": " + callout,
                Objects.requireNonNull(failure, "failure"));
        this.callout = callout;
        this.time = time;
    }

    /** {@return the callout whose handler threw} */
    public Callout callout() {
        return callout;
    }

    /** {@return the virtual time (sbintime) at which the failure was reported} */
    public long time() {
        return time;
    }
}
