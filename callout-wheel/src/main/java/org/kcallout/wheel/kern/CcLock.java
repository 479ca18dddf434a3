package org.kcallout.wheel.kern;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The per-CPU callout lock ({@code cc_lock}): a {@link ReentrantLock} that spins briefly before it
 * queues.
 */
final class CcLock extends ReentrantLock {
    /* Implementation notes: FreeBSD's cc_lock is a spin mutex; its critical sections are short and
     * never include a handler, and so are ours. A waiter that queues in AbstractQueuedSynchronizer
     * allocates a node and parks (a system call), which costs more than the critical section it
     * waits for, so lock() first retries tryLock for a bounded number of pause instructions. Only
     * if the holder is descheduled (the JVM cannot disable preemption) does it fall back to
     * queueing. Conditions, fairness (none: barging) and reentrancy are ReentrantLock's. */

    private static final long serialVersionUID = 1L;

    /** Pause iterations before queueing: a few microseconds, longer than any critical section. */
    static final int SPINS = 256;

    CcLock() {
    }

    @Override
    public void lock() {
        if (tryLock()) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            // Test before test-and-set: spinning on a read keeps the cache line shared.
            if (!isLocked() && tryLock()) {
                return;
            }
        }
        super.lock();
    }
}
