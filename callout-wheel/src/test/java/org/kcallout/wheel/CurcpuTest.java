package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/** The documented rule of {@link CalloutWheel#curcpu()} and {@code callout_reset_curcpu}. */
final class CurcpuTest {

    private static CalloutWheel fourCpus(VirtualTicklessClock vt) {
        return CalloutWheel.builder().ncpus(4).clock(vt).build();
    }

    @Test
    void curcpu_unboundThread_isThreadIdModuloNcpus() {
        try (CalloutWheel sys = fourCpus(new VirtualTicklessClock())) {
            long id = Thread.currentThread().getId();
            assertEquals((int) Math.floorMod(id, 4L), sys.curcpu());
            assertEquals(sys.curcpu(), sys.curcpu(), "stable for a thread");
        }
    }

    @Test
    void curcpu_boundThread_isBoundCpuUntilUnbound() {
        try (CalloutWheel sys = fourCpus(new VirtualTicklessClock())) {
            sys.bindCurrentThread(3);
            assertEquals(3, sys.curcpu());
            sys.bindCurrentThread(-1);
            assertEquals((int) Math.floorMod(Thread.currentThread().getId(), 4L), sys.curcpu());
        }
    }

    @Test
    void bindCurrentThread_cpuOutOfRange_throwsAndKeepsBinding() {
        try (CalloutWheel sys = fourCpus(new VirtualTicklessClock())) {
            sys.bindCurrentThread(2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sys.bindCurrentThread(4));
            assertEquals(true, e.getMessage().contains("got 4"), e.getMessage());
            assertEquals(2, sys.curcpu());
        }
    }

    @Test
    void curcpu_insideHandlerOfCpu2_isCpu2EvenOnTheAdvancingThread() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = fourCpus(vt)) {
            sys.bindCurrentThread(0);
            Callout c = new Callout();
            sys.init(c, true);
            AtomicInteger seen = new AtomicInteger(-1);
            sys.resetOn(c, 1, (AtomicInteger a) -> a.set(sys.curcpu()), seen, 2);
            vt.advanceTicks(2);
            assertEquals(2, seen.get());
            assertEquals(0, sys.curcpu(), "back on the bound CPU after the handler");
        }
    }

    @Test
    void resetCurcpu_fromBoundThread_movesCalloutToThatCpu() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = fourCpus(vt)) {
            Callout c = new Callout();
            sys.init(c, true);
            sys.bindCurrentThread(1);
            sys.reset(c, 5, (Object a) -> { }, null);
            assertEquals(0, c.cpu(), "callout_reset keeps the callout's CPU (the default CPU)");
            sys.bindCurrentThread(3);
            assertEquals(1, sys.resetCurcpu(c, 5, (Object a) -> { }, null));
            assertEquals(3, c.cpu());
            assertEquals(1, WheelProbe.of(sys).pendingCount(3));
            assertEquals(0, WheelProbe.of(sys).pendingCount(0));
        }
    }
}
