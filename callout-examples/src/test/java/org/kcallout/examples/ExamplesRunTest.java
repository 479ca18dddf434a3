package org.kcallout.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kcallout.CalloutSystem;
import org.kcallout.KernTimeout;
import org.kcallout.Sbt;

/**
 * Runs each example that README.md prints and checks that it does what the README says. Every
 * example runs in virtual time, on the test thread, so nothing here sleeps.
 */
final class ExamplesRunTest {
    /* Implementation notes: the C-style examples install their system with KernTimeout.setSystem
     * and leave it there (closed) when they return, as a program would; each test puts the
     * facade back as it found it, so the examples do not see each other's systems. */

    private CalloutSystem before;

    @BeforeEach
    void saveFacade() {
        before = KernTimeout.setSystem(null);
    }

    @AfterEach
    void restoreFacade() {
        KernTimeout.setSystem(before);
    }

    @Test
    void quickStartC_ticksAboutOncePerVirtualSecond() {
        // Each callout_reset(tick, hz(), ...) may run up to 6.25 % (62.5 ms) after its second, and
        // the virtual clock runs it at the end of that window: 1.0625 s, 2.1245 s, ... 9.496 s.
        assertEquals(9, QuickStartC.run(), "xxTick runs nine times in ten virtual seconds");
    }

    @Test
    void quickStartJava_firesAfterTheTenthTick() {
        assertEquals("fired", QuickStartJava.run());
    }

    @Test
    void legacyWatchdog_expiresOnlyWhenNotKicked() {
        assertEquals(1, LegacyWatchdog.run());
    }

    @Test
    void calloutTestPort_givesFreeBsdFiguresInEveryRun() {
        for (int ncpus = 2; ncpus <= 4; ncpus++) {
            for (int run = 0; run < 5; run++) {
                assertEquals("waiting 0, zero " + ncpus + ", non-zero 0, bailed " + ncpus + ", completed 0, drain calls "
                        + ncpus, CalloutTestPort.run(ncpus), ncpus + " CPUs, run " + run);
            }
        }
    }

    @Test
    void exactCancelRace_stopUnderTheMutexCancelsTheWaitingInvocation() {
        for (int run = 0; run < 5; run++) {
            assertEquals("in flight true, stop 1, handler runs 0", ExactCancelRace.run(), "run " + run);
        }
    }

    @Test
    void driverDetach_stopsAndDrainsBothCallouts() {
        // Each tick may run up to 6.25 % after its second (the virtual clock runs it at the end of
        // its window) and re-arms from there: two ticks fit in 3.1 s; the watchdog (5 s) never fires.
        assertEquals("ticks 2, timeouts 0, stops 1 1, pending false", DriverDetach.run());
    }

    @Test
    void eventTimers_lateInterruptRunsTheCalloutLate() {
        long ranAfter = EventTimersExample.run();
        assertEquals(12 * Sbt.SBT_1MS, ranAfter, "10 ms, plus the 2 ms the interrupt was late");
    }
}
