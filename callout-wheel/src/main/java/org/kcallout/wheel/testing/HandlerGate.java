package org.kcallout.wheel.testing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Holds a handler mid-flight, so that a test can act while it runs. The handler calls
 * {@link #enter()}; the test waits with {@link #awaitEntered(Duration)}, does what it wants to race
 * against the running handler, then lets it go with {@link #open()}. Reusable: each {@code enter}
 * needs one {@code open}.
 *
 * <pre>{@code
 * HandlerGate gate = new HandlerGate();
 * sys.reset(c, 1, x -> gate.enter(), null);
 * Thread t = new Thread(() -> vt.advanceTicks(2)); t.start();
 * assertTrue(gate.awaitEntered(Duration.ofSeconds(30)));
 * assertEquals(0, sys.stop(c));          // running: cannot be stopped
 * gate.open(); t.join();
 * }</pre>
 */
public final class HandlerGate {
    /* Implementation notes: HELD maps a thread waiting in enter() to its gate, from just before it
     * blocks until it is let go; isHeld reads it and the gate's permits without a lock (a snapshot:
     * a held thread stays held until open() is called, by another thread). */

    /** Threads blocked in {@link #enter()}, each with its gate. */
    private static final Map<Thread, HandlerGate> HELD = new ConcurrentHashMap<>();

    private final Semaphore entered = new Semaphore(0);
    private final Semaphore released = new Semaphore(0);

    /**
     * Whether {@code thread} is held in {@link #enter()} by a gate that has not been opened for it:
     * it stays blocked until another thread calls {@link #open()}. For clocks that run handlers on
     * threads of their own and must know when those threads wait on the test.
     *
     * @param thread the thread
     * @return true if it is held at a closed gate
     */
    public static boolean isHeld(Thread thread) {
        HandlerGate g = HELD.get(thread);
        return g != null && g.released.availablePermits() == 0;
    }

    /** A closed gate. */
    public HandlerGate() {
    }

    /** Called by the handler: reports arrival, then waits (uninterruptibly) until {@link #open()}. */
    public void enter() {
        Thread self = Thread.currentThread();
        HELD.put(self, this);
        try {
            entered.release();
            released.acquireUninterruptibly();
        } finally {
            HELD.remove(self);
        }
    }

    /**
     * Waits until a handler has entered.
     *
     * @param timeout a safety net against a hung test, not a timing assertion
     * @return true if a handler entered, false on timeout
     * @throws IllegalArgumentException if {@code timeout} is null
     */
    public boolean awaitEntered(Duration timeout) {
        if (timeout == null) {
            throw new IllegalArgumentException("awaitEntered: timeout must not be null");
        }
        try {
            return entered.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Lets one handler that entered (or the next one to enter) go on. */
    public void open() {
        released.release();
    }
}
