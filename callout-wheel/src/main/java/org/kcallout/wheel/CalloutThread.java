package org.kcallout.wheel;

/** A thread that belongs to one CPU of a callout system (softclock or event timer): its {@code curcpu}. */
interface CalloutThread {
    /** @return the system */
    CalloutWheel wheel();

    /** @return the CPU the thread runs for */
    int cpu();
}
