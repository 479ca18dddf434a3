package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERCPU;
import static org.kcallout.et.EventTimer.NOCPU;
import static org.kcallout.wheel.EtTestSupport.BOTH;
import static org.kcallout.wheel.EtTestSupport.clockOn;
import static org.kcallout.wheel.EtTestSupport.recordingDriver;
import static org.kcallout.wheel.EtTestSupport.registryOf;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.mockito.InOrder;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;
import org.kcallout.wheel.driver.DriverTestAccess;
import org.kcallout.wheel.clock.ClockTestAccess;

/**
 * The clock source on several CPUs in virtual time (SPEC §8.3): per-CPU timers
 * ({@code ET_FLAGS_PERCPU}) reached through {@code IPI_HARDCLOCK} ({@code cpu_new_callout},
 * {@code configtimer}'s broadcast and acknowledgements, {@code cpu_idleclock}'s periodic rule), and
 * a global timer's interrupt fanned out to the CPUs whose event has passed, with the one-second
 * anti-storm push. SPEC case 83.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class EventTimerSmpTest {

    /** One call of the driver's start or stop, with the interrupt context it was made in. */
    private record Call(String op, int cpu, long first, long period, int context, long at) {
    }

    /** Records every start/stop of {@code drv} (a recording driver), then runs the real method. */
    private static List<Call> recordCalls(VirtualTimerDriver drv, EventTimerClock clock, VirtualTimebase tb) {
        List<Call> calls = new CopyOnWriteArrayList<>();
        DriverTestAccess.start(doAnswer(inv -> {
            calls.add(new Call("start", inv.getArgument(0), inv.getArgument(1), inv.getArgument(2),
                    ClockTestAccess.interruptCpu(clock), tb.now()));
            return inv.callRealMethod();
        }).when(drv), anyInt(), anyLong(), anyLong());
        DriverTestAccess.stop(doAnswer(inv -> {
            calls.add(new Call("stop", inv.getArgument(0), 0, 0, ClockTestAccess.interruptCpu(clock), tb.now()));
            return inv.callRealMethod();
        }).when(drv), anyInt());
        return calls;
    }

    private static final CalloutFunc<Object> NOP = a -> { };

    /**
     * An exact one-shot global timer on a time base whose interrupt is routed to a fixed CPU: it
     * fires with that CPU whatever CPU it was started for, as an I/O APIC routes a global timer's
     * interrupt to one core.
     */
    private static final class RoutedTimer extends org.kcallout.et.EventTimer implements VirtualTimebase.Device {
        private final VirtualTimebase tb;
        private final int routeTo;
        private long deadline = org.kcallout.Sbt.SBT_MAX; // guarded by this

        RoutedTimer(VirtualTimebase tb, int routeTo) {
            super("routed", ET_FLAGS_ONESHOT, 600, 0, 0, org.kcallout.Sbt.SBT_MAX);
            this.tb = tb;
            this.routeTo = routeTo;
            tb.attach(this);
        }

        @Override
        protected synchronized int start(int cpu, long first, long period) {
            deadline = tb.now() + first;
            return 0;
        }

        @Override
        protected synchronized int stop(int cpu) {
            deadline = org.kcallout.Sbt.SBT_MAX;
            return 0;
        }

        @Override
        public synchronized long nextEventTime() {
            return deadline;
        }

        @Override
        public boolean expire(long now) {
            synchronized (this) {
                if (deadline > now) {
                    return false;
                }
                deadline = org.kcallout.Sbt.SBT_MAX;
            }
            return fire(routeTo);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* SPEC 83: cpu_new_callout for another CPU with a per-CPU timer                              */

    /**
     * Case 83: a per-CPU timer in one-shot mode; a callout earlier than CPU 1's nextevent, armed from
     * CPU 0 for CPU 1, sets CPU 1's handle flag and sends IPI_HARDCLOCK to CPU 1: CPU 0 programs no
     * timer instance, and CPU 1 reprograms its own instance, in its own interrupt context, when the
     * IPI is delivered.
     */
    @Test
    void spec83_perCpuOneShot_calloutForOtherCpu_setsHandleAndSendsIpiWithoutReprogrammingFromCpu0() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver lapic = recordingDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 600);
        EventTimerClock clock = clockOn(registryOf(lapic), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build()) {
            sys.bindCurrentThread(0); // the arming thread is CPU 0
            settleJustAfterIdleWakeUps(tb, clock, 2); // both CPUs idle, their next events far off
            long now = tb.now();
            assertEquals(0, ClockTestAccess.curcpu(clock), "precondition: arming from CPU 0");
            EventTimerClock.CpuState before = clock.state(1);
            assertTrue(before.nextevent() > now + 11 * SBT_1MS, "precondition: CPU 1's nextevent is later");
            assertTrue(clock.state(0).nextevent() > now + 30 * SBT_1MS, "precondition: CPU 0 sleeps through the test");
            assertEquals(before.nextevent(), lapic.programmedTime(1), "CPU 1's instance is programmed for it");
            List<Call> calls = recordCalls(lapic, clock, tb);
            clearInvocations(lapic);
            long intrs0 = ClockTestAccess.hardclockIntrs(clock, 0);
            long intrs1 = ClockTestAccess.hardclockIntrs(clock, 1);

            List<Long> ranAt = new CopyOnWriteArrayList<>();
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbtOn(c, now + 10 * SBT_1MS, SBT_1MS, (List<Long> at) -> at.add(tb.now()), ranAt, 1, C_ABSOLUTE);

            // The arm: CPU 1's state records the window, its handle flag is set, an IPI waits for
            // it, and nothing was programmed from CPU 0: neither start(0, ...) nor start(1, ...).
            EventTimerClock.CpuState armed = clock.state(1);
            assertTrue(armed.handle(), "handle = 1");
            assertTrue(ClockTestAccess.ipiPending(clock, 1), "IPI_HARDCLOCK sent to CPU 1");
            assertFalse(ClockTestAccess.ipiPending(clock, 0));
            assertEquals(now + 10 * SBT_1MS, armed.nextcallopt());
            assertEquals(now + 11 * SBT_1MS, armed.nextcall());
            assertEquals(now + 11 * SBT_1MS, armed.nextevent());
            DriverTestAccess.start(verify(lapic, never()), anyInt(), anyLong(), anyLong());
            assertEquals(before.nextevent(), lapic.programmedTime(1), "CPU 1's instance untouched so far");

            // CPU 1 takes the IPI (delivered before time moves): it reprograms its own instance.
            tb.advance(0);
            DriverTestAccess.start(verify(lapic, times(1)), 1, 11 * SBT_1MS, 0L);
            DriverTestAccess.start(verify(lapic, never()), eq(0), anyLong(), anyLong());
            Call start = calls.get(0);
            assertEquals(1, start.cpu());
            assertEquals(1, start.context(), "start(1, ...) runs in CPU 1's interrupt context");
            assertFalse(clock.state(1).handle(), "the IPI handler consumed the request");
            assertFalse(ClockTestAccess.ipiPending(clock, 1));
            assertEquals(intrs1 + 1, ClockTestAccess.hardclockIntrs(clock, 1), "one IPI");
            assertEquals(intrs0, ClockTestAccess.hardclockIntrs(clock, 0));
            assertEquals(now + 11 * SBT_1MS, lapic.programmedTime(1));

            tb.advance(20 * SBT_1MS);
            assertEquals(List.of(now + 11 * SBT_1MS), ranAt, "the callout ran once, at its window's end");
            DriverTestAccess.start(verify(lapic, never()), eq(0), anyLong(), anyLong());
            for (Call call : calls) {
                assertEquals(call.cpu(), call.context(), "every start/stop in its own CPU's context: " + call);
            }
        }
    }

    /** The same arm made from CPU 1 itself reprograms CPU 1's instance at once, without an IPI. */
    @Test
    void cpuNewCallout_perCpuOneShot_ownCpu_reprogramsDirectlyWithoutIpi() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver lapic = recordingDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 600);
        EventTimerClock clock = clockOn(registryOf(lapic), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build()) {
            sys.bindCurrentThread(1);
            tb.advance(SBT_1S + 3 * SBT_1MS);
            long now = tb.now();
            clearInvocations(lapic);
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbtOn(c, now + 10 * SBT_1MS, SBT_1MS, NOP, null, 1, C_ABSOLUTE);
            DriverTestAccess.start(verify(lapic, times(1)), 1, 11 * SBT_1MS, 0L);
            assertFalse(clock.state(1).handle());
            assertFalse(ClockTestAccess.ipiPending(clock, 1));
        }
    }

    /** A global timer in one-shot mode: an arm for another CPU reprograms the one timer at once. */
    @Test
    void cpuNewCallout_globalOneShot_otherCpu_loadsTheTimerDirectly() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver hpet = recordingDriver(tb, "hpet", BOTH, 600);
        EventTimerClock clock = clockOn(registryOf(hpet), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build()) {
            sys.bindCurrentThread(0);
            tb.advance(SBT_1S + 3 * SBT_1MS);
            long now = tb.now();
            clearInvocations(hpet);
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbtOn(c, now + 10 * SBT_1MS, SBT_1MS, NOP, null, 1, C_ABSOLUTE);
            DriverTestAccess.start(verify(hpet, times(1)), NOCPU, 11 * SBT_1MS, 0L);
            assertFalse(clock.state(1).handle());
            assertFalse(ClockTestAccess.ipiPending(clock, 1));
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* A global timer's interrupt fanned out by IPI                                               */

    /**
     * A global timer's interrupt at T, taken by CPU 0: CPUs 1 and 3 (events at T) have their
     * nextevent pushed one second ahead before CPU 0 handles its own events, and only they get an
     * IPI, delivered after CPU 0's handling, in CPU order; CPU 2 (event later) is not disturbed.
     * Thanks to the push, CPU 0's reload never programs the timer for an event already due.
     */
    @Test
    void timercb_globalTimer_pushesPassedEventsOneSecondAndSendsIpisOnlyToThoseCpus() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver hpet = recordingDriver(tb, "hpet", BOTH, 600);
        EventTimerClock clock = clockOn(registryOf(hpet), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(4).hz(1000).clock(clock).build()) {
            settleJustAfterIdleWakeUps(tb, clock, 4);
            long t = tb.now() + 10 * SBT_1MS;
            long[] intrs = new long[4];
            for (int cpu = 0; cpu < 4; cpu++) {
                assertTrue(clock.state(cpu).nextevent() > t + 100 * SBT_1MS, "precondition: CPU " + cpu + " sleeps");
                intrs[cpu] = ClockTestAccess.hardclockIntrs(clock, cpu);
            }
            List<String> order = new CopyOnWriteArrayList<>();
            List<EventTimerClock.CpuState> duringCpu0 = new ArrayList<>();
            long[] intrsDuringCpu0 = new long[4];
            Callout direct0 = new Callout();
            sys.init(direct0, true);
            sys.resetSbtOn(direct0, t, 0, (Object a) -> {
                order.add("cpu0@" + ClockTestAccess.interruptCpu(clock));
                for (int cpu = 0; cpu < 4; cpu++) {
                    duringCpu0.add(clock.state(cpu));
                    intrsDuringCpu0[cpu] = ClockTestAccess.hardclockIntrs(clock, cpu);
                }
            }, null, 0, C_ABSOLUTE | C_DIRECT_EXEC);
            for (int cpu : new int[] {3, 1}) {
                Callout c = new Callout();
                sys.init(c, true);
                sys.resetSbtOn(c, t, 0, (String s) -> order.add(s + "@" + ClockTestAccess.interruptCpu(clock)), "cpu" + cpu, cpu,
                        C_ABSOLUTE | C_DIRECT_EXEC);
            }
            Callout late2 = new Callout();
            sys.init(late2, true);
            sys.resetSbtOn(late2, t + 100 * SBT_1MS, 0, NOP, null, 2, C_ABSOLUTE);
            long scans2 = clock.state(2).calloutScans();
            long hard2 = clock.state(2).hardclockCalls();
            clearInvocations(hpet);

            tb.advanceTo(t);

            assertEquals(List.of("cpu0@0", "cpu1@1", "cpu3@3"), order,
                    "CPU 0 handles the interrupt, then CPUs 1 and 3 their IPIs, in CPU order, each in its context");
            assertEquals(t + SBT_1S, duringCpu0.get(1).nextevent(), "CPU 1's event pushed 1 s ahead (anti-storm)");
            assertEquals(t + SBT_1S, duringCpu0.get(3).nextevent(), "CPU 3's event pushed 1 s ahead (anti-storm)");
            assertEquals(t + 100 * SBT_1MS, duringCpu0.get(2).nextevent(), "CPU 2's event is untouched");
            assertEquals(t, duringCpu0.get(2).now(), "timercb sets every CPU's now");
            for (int cpu = 0; cpu < 4; cpu++) {
                assertEquals(intrs[cpu], intrsDuringCpu0[cpu], "no IPI is delivered before CPU 0 is done (CPU " + cpu + ")");
            }
            assertEquals(intrs[0], ClockTestAccess.hardclockIntrs(clock, 0), "the interrupted CPU gets no IPI");
            assertEquals(intrs[1] + 1, ClockTestAccess.hardclockIntrs(clock, 1));
            assertEquals(intrs[2], ClockTestAccess.hardclockIntrs(clock, 2), "no IPI for a CPU whose event has not passed");
            assertEquals(intrs[3] + 1, ClockTestAccess.hardclockIntrs(clock, 3));
            assertEquals(scans2, clock.state(2).calloutScans());
            assertEquals(hard2, clock.state(2).hardclockCalls());
            DriverTestAccess.start(verify(hpet, never()), anyInt(), eq(0L), eq(0L)); // never re-armed for an event already due
            assertTrue(clock.state(1).nextevent() < t + SBT_1S, "CPU 1's own handling recomputed its event");

            tb.advanceTo(t + 100 * SBT_1MS);
            assertEquals(intrs[2] + 1, ClockTestAccess.hardclockIntrs(clock, 2), "CPU 2 gets its IPI when its event passes");
        }
    }

    /** A global timer whose driver names the interrupted CPU: that CPU handles it, the others get IPIs. */
    @Test
    void timercb_globalTimerFiringForCpu2_cpu2HandlesTheInterrupt() {
        VirtualTimebase tb = new VirtualTimebase();
        RoutedTimer hpet = new RoutedTimer(tb, 2);
        EventTimerClock clock = clockOn(registryOf(hpet), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(3).hz(1000).clock(clock).build()) {
            tb.advance(SBT_1S + 3 * SBT_1MS);
            long t = tb.now() + 10 * SBT_1MS;
            List<String> order = new CopyOnWriteArrayList<>();
            for (int cpu = 0; cpu < 3; cpu++) {
                Callout c = new Callout();
                sys.init(c, true);
                sys.resetSbtOn(c, t, 0, (String s) -> order.add(s + "@" + ClockTestAccess.interruptCpu(clock)), "cpu" + cpu, cpu,
                        C_ABSOLUTE | C_DIRECT_EXEC);
            }
            long[] before = {ClockTestAccess.hardclockIntrs(clock, 0), ClockTestAccess.hardclockIntrs(clock, 1), ClockTestAccess.hardclockIntrs(clock, 2)};
            tb.advanceTo(t);
            assertEquals(List.of("cpu2@2", "cpu0@0", "cpu1@1"), order);
            assertEquals(before[0] + 1, ClockTestAccess.hardclockIntrs(clock, 0));
            assertEquals(before[1] + 1, ClockTestAccess.hardclockIntrs(clock, 1));
            assertEquals(before[2], ClockTestAccess.hardclockIntrs(clock, 2), "CPU 2 took the interrupt itself");
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* configtimer with a per-CPU timer: action, broadcast IPI, acknowledgements                  */

    /**
     * configtimer on a per-CPU timer: the configuring CPU stops and starts its own instance itself;
     * every other CPU is told by action (2 stop, 1 start) and IPI and does it for its own instance in
     * its own context; configtimer returns only when all have acknowledged (every action back to 0),
     * so every stop comes before any start.
     */
    @Test
    void configtimer_perCpu_broadcastsActionsAndReturnsWhenEveryCpuAcknowledged() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver lapic = recordingDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 600);
        EventTimerClock clock = clockOn(registryOf(lapic), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(4).hz(1000).clock(clock).build()) {
            sys.bindCurrentThread(2); // the configuring CPU
            tb.advance(SBT_1S);
            List<Call> calls = recordCalls(lapic, clock, tb);
            clearInvocations(lapic);
            long[] intrs = new long[4];
            for (int cpu = 0; cpu < 4; cpu++) {
                intrs[cpu] = ClockTestAccess.hardclockIntrs(clock, cpu);
            }

            clock.setPeriodic(true); // configtimer(0), mode switch, configtimer(1)

            assertTrue(clock.periodic());
            for (int cpu = 0; cpu < 4; cpu++) {
                EventTimerClock.CpuState st = clock.state(cpu);
                assertEquals(0, st.action(), "CPU " + cpu + " acknowledged");
                assertTrue(lapic.armed(cpu), "CPU " + cpu + "'s instance runs");
                assertEquals(clock.timerperiod(), lapic.programmedPeriod(cpu));
                assertEquals(2, count(calls, cpu), "one stop and one start for CPU " + cpu + ": " + calls);
            }
            InOrder inOrder = inOrder(lapic);
            DriverTestAccess.stop(inOrder.verify(lapic, times(4)), anyInt());
            DriverTestAccess.start(inOrder.verify(lapic, times(4)), anyInt(), anyLong(), anyLong());
            for (Call call : calls) {
                int expectedContext = call.cpu() == 2 ? -1 : call.cpu(); // CPU 2 is the caller itself
                assertEquals(expectedContext, call.context(), "in whose context: " + call);
            }
            assertEquals(List.of(2, 0, 1, 3), calls.subList(0, 4).stream().map(Call::cpu).toList(),
                    "own instance first, then the others as their IPIs are delivered in CPU order");
            assertEquals(intrs[2], ClockTestAccess.hardclockIntrs(clock, 2), "no IPI to the configuring CPU");
            for (int cpu : new int[] {0, 1, 3}) {
                assertEquals(intrs[cpu] + 2, ClockTestAccess.hardclockIntrs(clock, cpu), "one IPI per configtimer for CPU " + cpu);
            }
            long p = clock.timerperiod();
            long first = calls.get(4).first();
            for (Call call : calls.subList(4, 8)) {
                assertEquals(p, call.period());
                assertEquals(first, call.first(), "every instance aligned to the same period boundary");
            }
        }
    }

    /**
     * Runs one second, then to the moment the last idle CPU wakes: every CPU has just gone back to
     * idle, so none wakes in the next few hundred milliseconds (hz / 2 ticks).
     */
    private static void settleJustAfterIdleWakeUps(VirtualTimebase tb, EventTimerClock clock, int ncpus) {
        tb.advance(SBT_1S);
        long last = 0;
        for (int cpu = 0; cpu < ncpus; cpu++) {
            last = Math.max(last, clock.state(cpu).nextevent());
        }
        tb.advanceTo(last);
    }

    private static int count(List<Call> calls, int cpu) {
        return (int) calls.stream().filter(c -> c.cpu() == cpu).count();
    }

    /** Switching between a per-CPU and a global timer stops every instance of the old one. */
    @Test
    void setTimer_perCpuToGlobal_stopsEveryInstanceAndCalloutsStillRunOnEveryCpu() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver lapic = new VirtualTimerDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 600);
        VirtualTimerDriver hpet = new VirtualTimerDriver(tb, "hpet", BOTH, 500);
        EventTimerClock clock = clockOn(registryOf(lapic, hpet), tb).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(3).clock(clock).build()) {
            assertSame(lapic, clock.timer(), "automatic selection takes the best timer, per-CPU or not");
            tb.advance(SBT_1S);
            assertEquals(0, clock.setTimer("hpet"));
            for (int cpu = 0; cpu < 3; cpu++) {
                assertFalse(lapic.armed(cpu), "instance of CPU " + cpu + " stopped");
            }
            assertFalse(lapic.active());
            List<Integer> ran = new CopyOnWriteArrayList<>();
            for (int cpu = 0; cpu < 3; cpu++) {
                Callout c = new Callout();
                sys.init(c, true);
                sys.resetOn(c, 5 * (cpu + 1), (Integer k) -> ran.add(k), cpu, cpu);
            }
            tb.advance(100 * SBT_1MS);
            assertEquals(List.of(0, 1, 2), ran);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* cpu_idleclock's per-CPU rule                                                               */

    /** Periodic mode with a per-CPU timer: cpu_idleclock returns -1 and every CPU takes every tick. */
    @Test
    void cpuIdleclock_perCpuPeriodic_returnsMinusOneAndEveryCpuTakesEveryTick() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver lapic = new VirtualTimerDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 600);
        EventTimerClock clock = clockOn(registryOf(lapic), tb).periodic(true).build();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build()) {
            tb.advance(SBT_1S);
            long[] hard = new long[2];
            for (int cpu = 0; cpu < 2; cpu++) {
                assertEquals(-1, clock.cpuIdleclock(cpu), "CPU " + cpu);
                assertFalse(clock.state(cpu).idle());
                hard[cpu] = clock.state(cpu).hardclockRuns();
            }
            tb.advance(SBT_1S);
            for (int cpu = 0; cpu < 2; cpu++) {
                long runs = clock.state(cpu).hardclockRuns() - hard[cpu];
                assertTrue(runs >= 999 && runs <= 1001, "CPU " + cpu + " ran every hardclock tick: " + runs);
                assertTrue(clock.state(cpu).hardclockCalls() >= 1000, "one interrupt per tick at least");
            }
        }
    }

    /** The rule is specific to per-CPU timers in periodic mode: a global periodic or a per-CPU one-shot timer idles. */
    @Test
    void cpuIdleclock_globalPeriodicOrPerCpuOneShot_skipsTicks() {
        for (boolean perCpu : new boolean[] {false, true}) {
            VirtualTimebase tb = new VirtualTimebase();
            VirtualTimerDriver drv = new VirtualTimerDriver(tb, "drv", BOTH | (perCpu ? ET_FLAGS_PERCPU : 0), 600);
            EventTimerClock clock = clockOn(registryOf(drv), tb).periodic(!perCpu).autoIdle(false).build();
            try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).hz(1000).clock(clock).build()) {
                tb.advance(SBT_1S);
                for (int cpu = 0; cpu < 2; cpu++) {
                    assertTrue(clock.cpuIdleclock(cpu) >= 0, (perCpu ? "per-CPU one-shot" : "global periodic") + ", CPU " + cpu);
                    assertTrue(clock.state(cpu).idle());
                }
            }
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The per-CPU virtual driver                                                                 */

    /** Each instance of a per-CPU virtual driver keeps its own event; equal times fire in CPU order. */
    @Test
    void virtualDriver_perCpu_instancesAreIndependentAndFireInCpuOrder() {
        VirtualTimebase tb = new VirtualTimebase();
        VirtualTimerDriver drv = new VirtualTimerDriver(tb, "lapic", BOTH | ET_FLAGS_PERCPU, 0);
        org.kcallout.et.EventTimers ets = registryOf(drv);
        List<String> events = new CopyOnWriteArrayList<>();
        ets.init(drv, (org.kcallout.et.EtEventCb<List<String>>) (et, cpu, l) -> l.add(cpu + "@" + tb.now()), null,
                events);
        ets.start(drv, 2, 5, 0);
        ets.start(drv, 0, 5, 0);
        ets.start(drv, 1, 3, 0);
        ets.start(drv, 3, 9, 0);
        ets.stop(drv, 3);
        assertTrue(drv.armed(0) && drv.armed(1) && drv.armed(2));
        assertFalse(drv.armed(3));
        assertEquals(3, drv.programmedTime());
        assertEquals(5, drv.programmedTime(2));
        tb.advance(10);
        assertEquals(List.of("1@3", "0@5", "2@5"), events);
        assertFalse(drv.armed());
        ets.stop(drv, 0);
        ets.free(drv);
    }
}
