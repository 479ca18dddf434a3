package org.kcallout.wheel;

import org.kcallout.Callout;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.kern.CalloutEngine;
import org.kcallout.wheel.seam.ClockPorts;
import org.kcallout.wheel.seam.CpuThread;

/**
 * Inspection hooks for conformance tests: drive one CPU of a {@link CalloutWheel} by hand and read
 * its scan state. They are kept off {@code CalloutWheel} so that its public face is the callout(9)
 * API alone; a system's users never need them.
 *
 * <pre>{@code
 * WheelProbe probe = WheelProbe.of(sys);
 * probe.calloutProcess(0, t);      // exactly one callout_process for CPU 0 at time t
 * probe.softclock(0);              // run what it expired (virtual clocks only)
 * assertEquals(t, probe.lastscan(0));
 * }</pre>
 *
 * <p>Every method is safe from any thread and takes the CPU's lock as the engine does.
 */
public final class WheelProbe {
    private final CalloutWheel sys;
    private final CalloutEngine engine;

    private WheelProbe(CalloutWheel sys) {
        this.sys = sys;
        this.engine = sys.engine;
    }

    /**
     * The probe of {@code sys}.
     *
     * @param sys a system
     * @return its probe
     */
    public static WheelProbe of(CalloutWheel sys) {
        if (sys == null) {
            throw new IllegalArgumentException("WheelProbe.of: system must not be null");
        }
        return new WheelProbe(sys);
    }

    /**
     * {@code callout_process(now)} on {@code cpu}, on the calling thread: expires what is due
     * (running direct callouts here) and reports the next event window to the clock. One caller per
     * CPU at a time (a nested call returns at once). More than {@link CalloutWheel#scanBatch()} due
     * callouts are expired in several batches, with the CPU lock dropped in between; the result is
     * the same.
     *
     * @param cpu the CPU
     * @param now the current time (an earlier time than the previous scan's counts as that one)
     * @return true if callouts wait in the expire queue for {@link #softclock(int)}
     * @throws IllegalArgumentException if {@code cpu} is not a CPU of the system
     */
    public boolean calloutProcess(int cpu, long now) {
        return engine.calloutProcess(cpu, now, false);
    }

    /**
     * {@code softclock}: runs {@code cpu}'s expire queue on the calling thread. Only on a clock that
     * runs softclock on the thread that delivers its events (the virtual clocks); on a real-time
     * clock a thread of the CPU runs it.
     *
     * @param cpu the CPU
     * @return the number of callouts dispatched
     * @throws IllegalArgumentException if {@code cpu} is not a CPU of the system
     * @throws IllegalStateException    if the CPU has a softclock thread
     */
    public int softclock(int cpu) {
        if (sys.clock() instanceof RealTimeTicklessClock) {
            engine.checkCpu("softclock", cpu);
            throw new IllegalStateException("softclock: CPU " + cpu + " has its own softclock thread");
        }
        return engine.softclock(cpu);
    }

    /**
     * @param cpu the CPU
     * @return {@code cc_firstevent} of {@code cpu}: the earliest deadline reported to the clock
     */
    public long firstevent(int cpu) {
        return engine.firstevent(cpu);
    }

    /**
     * @param cpu the CPU
     * @return {@code cc_lastscan} of {@code cpu}: the {@code now} of its previous scan
     */
    public long lastscan(int cpu) {
        return engine.lastscan(cpu);
    }

    /**
     * @param c      a callout of the system
     * @param bucket a bucket index
     * @return true if {@code c} is linked in that bucket of its CPU's wheel
     */
    public boolean inBucket(Callout c, int bucket) {
        return engine.inBucket(c, bucket);
    }

    /**
     * @param cpu the CPU
     * @return the number of callouts pending on {@code cpu} (wheel and expire queue)
     */
    public int pendingCount(int cpu) {
        return engine.pendingCount(cpu);
    }

    /**
     * @param t a thread
     * @return true if {@code t} is one of the system's own threads (a softclock thread or an
     *         interrupt thread of its clock)
     */
    public boolean isSystemThread(Thread t) {
        return t instanceof CpuThread && ((CpuThread) t).clockPort() == ClockPorts.of(sys.clock());
    }
}
