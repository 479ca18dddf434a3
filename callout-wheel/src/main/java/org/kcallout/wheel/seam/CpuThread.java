package org.kcallout.wheel.seam;

/**
 * A thread that belongs to one CPU of one callout system: a softclock thread, or an interrupt
 * thread of the clock that drives it. {@code curcpu} on such a thread is its CPU, and user code
 * found to have leaked a lock on it is cleaned up rather than refused.
 */
public interface CpuThread {
    /** {@return the port of the clock of the system the thread belongs to} */
    ClockPort clockPort();

    /** {@return the CPU the thread runs for} */
    int cpu();

    /**
     * Waits until {@code t} has ended, as kernel sleeps do: an interrupt does not end the wait; it
     * is kept and set again on the calling thread afterwards.
     *
     * @param t the thread to wait for
     */
    static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
