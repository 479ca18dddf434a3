package org.kcallout.wheel;

/** A thread that belongs to one CPU of a callout system (softclock or event timer): its {@code curcpu}. */
interface CalloutThread {
    /** @return the system */
    CalloutWheel wheel();

    /** @return the CPU the thread runs for */
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
