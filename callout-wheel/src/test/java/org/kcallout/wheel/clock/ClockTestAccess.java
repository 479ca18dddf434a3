package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_1S;

/**
 * Test-only access to the clock source's package-private state, for the tests in
 * {@code org.kcallout.wheel} that check it (the eventtimers(9) SMP tests and the real-time
 * clock's watchdog); tests in this package call the clock's package-private methods directly.
 */
public final class ClockTestAccess {
    /** {@code kern.eventtimer.singlemul}'s upper bound. */
    public static final int SINGLEMUL_MAX = ClockRates.SINGLEMUL_MAX;

    private ClockTestAccess() {
    }

    /** {@return true if an IPI is pending for {@code cpu}} */
    public static boolean ipiPending(EventTimerClock c, int cpu) {
        return c.ipiPending(cpu);
    }

    /** {@return the IPI_HARDCLOCKs {@code cpu} has handled} */
    public static long hardclockIntrs(EventTimerClock c, int cpu) {
        return c.hardclockIntrs(cpu);
    }

    /** {@return the CPU whose interrupt context the calling thread is in, or -1} */
    public static int interruptCpu(EventTimerClock c) {
        return c.interruptCpu();
    }

    /** {@return {@code curcpu} as the clock source sees it} */
    public static int curcpu(EventTimerClock c) {
        return c.curcpu();
    }

    /** {@return {@code b} with configtimer's acknowledgement timeout set (real time)} */
    public static EventTimerClock.Builder ackTimeoutNanos(EventTimerClock.Builder b, long nanos) {
        return b.ackTimeoutNanos(nanos);
    }

    /**
     * {@return a real-time clock (adaptive spin) whose watchdog waits an hour}: only a CPU's own
     * thread can then run its deadlines, so a missing wake-up shows
     */
    public static RealTimeTicklessClock realTimeWithoutWatchdog() {
        return new RealTimeTicklessClock(-1, 3600 * SBT_1S);
    }

    /**
     * {@return a clock whose {@code start} throws}; it leaves softclock to the callout layer's
     * threads, so a build on it starts (and must stop) those threads before the failure
     */
    public static ClockSource failingToStart() {
        return new ClockSource() {
            @Override
            void onAttach(int ncpus) {
            }

            @Override
            public long sbinuptime() {
                return 0;
            }

            @Override
            void cpuNewCallout(int cpu, long bt, long btOpt) {
            }

            @Override
            public long nextcall(int cpu) {
                return org.kcallout.Sbt.SBT_MAX;
            }

            @Override
            public long nextcallopt(int cpu) {
                return org.kcallout.Sbt.SBT_MAX;
            }

            @Override
            boolean runsSoftclock() {
                return false;
            }

            @Override
            void start() {
                throw new IllegalStateException("test: the timer cannot start");
            }

            @Override
            void stop() {
            }
        };
    }
}
