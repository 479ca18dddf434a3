package org.kcallout.wheel;

import static org.kcallout.Sbt.SBT_MAX;
import static org.kcallout.internal.CalloutAccess.isEmpty;

import java.util.concurrent.TimeUnit;
import org.kcallout.Sbt;

/**
 * The per-CPU softclock thread of a real-time system (FreeBSD main's dedicated callout thread): it
 * sleeps on the CPU's {@code workCv} and runs the expire queue when {@code callout_process} fills it.
 *
 * <p>On a clock whose softclock threads keep time ({@link TicklessClock#softclockKeepsTime()}, the
 * default {@link RealTimeEventTimer}), the thread also waits for its CPU's next deadline itself:
 * it sleeps until a spin window before it, spins the rest of the way, runs {@code callout_process}
 * and then the expired handlers on the same thread. A deadline then costs no wake-up of a second
 * thread, whose latency (tens to hundreds of microseconds on a virtual machine) would otherwise
 * add to every callout's lateness. The spin window adapts to how late this thread's timed sleeps
 * end, unless the clock fixes it.
 *
 * <p>When the CPU's next window is wider than the spin window (the callouts allow that much
 * lateness: the default precision of any delay over a few milliseconds), the thread does not spin:
 * it sleeps until the spin window before the window's end and processes as soon as it wakes, which
 * is inside the window, as FreeBSD processes on any interrupt that comes after {@code nextcallopt}.
 */
final class SoftclockThread extends Thread implements CalloutThread {
    /* Implementation notes: stopping is written under the CPU lock (so the thread cannot miss it
     * between its check and its wait) and is volatile because the spin reads it without the lock.
     * oversleepNanos belongs to this thread alone. */

    /** Upper bound of the oversleep estimate: 2 ms. */
    static final long MAX_OVERSLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final CalloutWheel wheel;
    private final CalloutCpu cc;
    private volatile boolean stopping;
    /** How late this thread's timed sleeps end: raised at once by a later sample, decays by 1/8. */
    private long oversleepNanos = RealTimeEventTimer.DEFAULT_SPIN_NANOS;

    SoftclockThread(CalloutWheel wheel, CalloutCpu cc) {
        super("kcallout-softclock-" + cc.cpuId);
        this.wheel = wheel;
        this.cc = cc;
        setDaemon(true);
    }

    @Override
    public void run() {
        ClockSource clock = wheel.clock;
        TicklessClock keeper = clock instanceof TicklessClock && ((TicklessClock) clock).softclockKeepsTime()
                ? (TicklessClock) clock : null;
        cc.lock.lock();
        try {
            while (!stopping) {
                if (!isEmpty(cc.expireq)) {
                    cc.softclockLocked();
                } else if (keeper == null) {
                    cc.workCv.awaitUninterruptibly();
                } else {
                    keepTime(keeper);
                }
            }
        } finally {
            cc.lock.unlock();
        }
    }

    /**
     * One step of keeping time for this CPU. Called with the CPU lock held and the expire queue
     * empty; returns with the lock held, after processing a due deadline or waiting towards the next.
     */
    private void keepTime(TicklessClock clock) {
        int cpu = cc.cpuId;
        long next = clock.selfDrive(cpu);
        long now = clock.sbinuptime();
        if (next <= now) {
            clock.processIfDue(cpu, now, false); // takes the CPU lock again: it is reentrant
            return;
        }
        if (next == SBT_MAX) {
            cc.workCv.awaitUninterruptibly(); // cpuNewCallout signals when a deadline appears
            return;
        }
        long window = clock.spinWindowNanos(oversleepNanos);
        long aim = next - Sbt.nstosbt(window);
        if (clock.nextcallopt(cpu) <= aim && now >= aim) {
            // The callouts' window is wider than the spin window, so the sleep that ended here
            // (at most an oversleep late) is inside it: process now instead of spinning to its end.
            clock.processIfDue(cpu, now, true);
            return;
        }
        long waitNs = Sbt.sbttons(next - now);
        if (waitNs > window) {
            long sleepNs = waitNs - window;
            long wakeAt = System.nanoTime() + sleepNs;
            long left;
            try {
                left = cc.workCv.awaitNanos(sleepNs);
            } catch (InterruptedException e) {
                return; // nobody interrupts this thread on purpose; just look again
            }
            if (left <= 0) {
                // Timed out rather than signalled: a sample of how late a timed sleep ends.
                long late = Math.min(Math.max(System.nanoTime() - wakeAt, 0), MAX_OVERSLEEP_NANOS);
                oversleepNanos = Math.max(late, oversleepNanos - (oversleepNanos >> 3));
            }
            return;
        }
        // Within the window: spin without the lock, so that arms and stops go on meanwhile.
        int kicks = clock.selfKicks;
        cc.lock.unlock();
        try {
            while (!stopping && clock.selfKicks == kicks && clock.sbinuptime() < next) {
                Thread.onSpinWait();
            }
        } finally {
            cc.lock.lock();
        }
    }

    void shutdown() {
        cc.lock.lock();
        try {
            stopping = true;
            cc.workCv.signalAll();
        } finally {
            cc.lock.unlock();
        }
    }

    @Override
    public CalloutWheel wheel() {
        return wheel;
    }

    @Override
    public int cpu() {
        return cc.cpuId;
    }
}
