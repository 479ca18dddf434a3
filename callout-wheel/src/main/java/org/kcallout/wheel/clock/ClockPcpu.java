package org.kcallout.wheel.clock;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One CPU's event-timer state: {@code struct pcpu_state} of {@code kern_clocksource.c}, plus the
 * counters a test reads and the interrupt lock that stands for "interrupts disabled on this CPU".
 */
final class ClockPcpu {
    /* Implementation notes. Field ownership (C field -> here, guard):
     *
     *   field          guard                    notes
     *   et_hw_mtx      ClockTimer.hwLock        one lock for every CPU, for global and PERCPU timers
     *                                           alike (see ClockTimer: C's per-CPU mutex of a
     *                                           PERCPU timer only spares real CPUs contention)
     *   action         written by configtimer   reconfiguration request carried by IPI_HARDCLOCK:
     *                  (ET_LOCK) and by the     1 (re)start, 2 stop, 0 none/acknowledged; set by
     *                  CPU itself; volatile     configtimer before it posts the IPI, cleared by the
     *                                           CPU (doconfigtimer, under hwLock) as its
     *                                           acknowledgement; configtimer polls it without lock
     *   handle         hwLock                   "run handleevents now": set by cpu_new_callout for
     *                                           a PERCPU timer of another CPU, read-and-cleared by
     *                                           that CPU's doconfigtimer
     *   now            hwLock                   time of the last interrupt seen by this CPU
     *   nextevent      hwLock                   next event this CPU wants (hardware is programmed for
     *                                           the minimum over CPUs: global timer)
     *   nexttick       hwLock                   the CPU's instance's programmed event (-1 none);
     *                                           only a PERCPU timer uses it
     *   nexthard       hwLock                   next hardclock slot
     *   nextstat       hwLock                   next statclock slot
     *   nextprof       hwLock                   next profclock slot
     *   nextcall       hwLock                   hard callout deadline (SBT_MAX: none)
     *   nextcallopt    hwLock                   opportunistic callout time (SBT_MAX: none)
     *   ipi            hwLock                   timercb marks CPUs whose nextevent passed; cleared
     *                                           when their IPI_HARDCLOCK is posted
     *   idle           hwLock for writes;       read without the lock by cpu_activeclock's
     *                  volatile                 first check, as C's atomic_load_int
     *   hardclocktime  hwLock for writes;       DPCPU hardclocktime; read without lock by the wheel
     *                  volatile
     *   pcputicks      hwLock                   DPCPU pcputicks of kern_clock.c's hardclock
     *   intrLock       -                        held while handleevents runs for this CPU, so that two
     *                                           threads (the driver's and one calling
     *                                           cpu_activeclock) never handle one CPU at once
     *   lastHandled    intrLock                 the latest now handleevents used (time never goes
     *                                           backwards for callout_process)
     *   counters       hwLock                   hardclock/statclock/profclock calls and runs, IPIs
     *                                           handled (hardclockIntrs)
     *   softPending    volatile                 inline softclock requested while another thread
     *                                           ran it (see ClockInterrupts.runSoftclock)
     *   softLock       -                        serialises inline softclock runs of this CPU
     *
     * Lock order: intrLock, then the CPU's callout lock, then hwLock (see ClockTimer). */

    final int cpu;
    final ReentrantLock intrLock = new ReentrantLock();
    final ReentrantLock softLock = new ReentrantLock();
    volatile boolean softPending;

    volatile int action;
    boolean handle;
    long now;
    long nextevent;
    long nexttick = -1;
    long nexthard;
    long nextstat;
    long nextprof;
    /** The callout window ({@code nextcall}, {@code nextcallopt}); guarded by hwLock like the rest. */
    final CalloutWindow window = new CalloutWindow();
    boolean ipi;
    volatile boolean idle;
    volatile long hardclocktime;
    int pcputicks;
    long lastHandled;

    long hardclockCalls;
    long hardclockRuns;
    long statclockRuns;
    long profclockRuns;
    long calloutScans;
    long hardclockIntrs;

    ClockPcpu(int cpu, long nextcall) {
        this.cpu = cpu;
        window.setBoth(nextcall);
    }
}
