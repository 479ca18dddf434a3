package org.kcallout.wheel.testing;

import java.time.Duration;
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
    private final Semaphore entered = new Semaphore(0);
    private final Semaphore released = new Semaphore(0);

    /** A closed gate. */
    public HandlerGate() {
    }

    /** Called by the handler: reports arrival, then waits (uninterruptibly) until {@link #open()}. */
    public void enter() {
        entered.release();
        released.acquireUninterruptibly();
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
