package org.kcallout.wheel.testing;

import org.kcallout.Callout;

/**
 * Tells a test when the engine reaches a point where it is about to wait, so that a race of SPEC §5
 * can be forced with latches instead of sleeps. Methods run on the engine's threads, must return
 * quickly and must not call into the callout system.
 */
public interface CalloutObserver {
    /** An observer that does nothing. */
    CalloutObserver NONE = new CalloutObserver() {
    };

    /**
     * The dispatcher has taken {@code c} off the expire queue (PENDING cleared, {@code cc_curr = c})
     * and dropped the CPU lock, and is about to acquire {@code c}'s associated lock: the LOCKWAIT state
     * of SPEC §3. Called without the CPU lock.
     *
     * @param c the callout
     */
    default void dispatchLockWait(Callout c) {
    }

    /**
     * A drainer is about to sleep until {@code c}'s running invocation completes. Called with the CPU
     * lock held (the drainer releases it as it sleeps).
     *
     * @param c the callout
     */
    default void drainWait(Callout c) {
    }
}
