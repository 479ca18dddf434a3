package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.wheel.SpecSupport.SAFETY;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.wheel.SpecSupport.Task;
import org.kcallout.wheel.SpecSupport.WaitObserver;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * A representative set of callout behaviours on every deterministic clock ({@link Clocks}), in
 * one-shot and periodic mode: the same test body, parameterised over the clock.
 */
@SuppressWarnings("try") // a system is often opened only for what it makes its clock do
final class VirtualClockSmokeTest {
    /* Implementation notes: "at or after its time" is checked against the callout's own c_time,
     * read when it is armed, and the virtual time at which the handler runs. Advances are generous
     * (several times the callout's precision) because the clocks differ in when exactly they
     * deliver inside the window: a test asserts what every clock promises, not one clock's timing. */

    /** Records the virtual time of each invocation. */
    private static final class Recorder {
        final List<Long> times = new CopyOnWriteArrayList<>();
        final CalloutWheel sys;
        final CalloutFunc<Recorder> func = r -> r.times.add(r.sys.sbinuptime());

        Recorder(CalloutWheel sys) {
            this.sys = sys;
        }
    }

    private static final CalloutFunc<AtomicInteger> COUNT = AtomicInteger::incrementAndGet;

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void reset_ticks_firesExactlyOnceAtOrAfterItsTime(Clocks clocks) {
        Clocks.Setup s = clocks.create();
        try (CalloutWheel sys = s.build(b -> b.ncpus(2))) {
            s.time().advanceTicks(7); // not at time 0: hardclock has run
            Recorder rec = new Recorder(sys);
            Callout c = new Callout();
            sys.init(c, true);
            assertEquals(0, sys.reset(c, 10, rec.func, rec));
            long due = c.time();
            s.time().advanceTo(due - 1);
            assertTrue(rec.times.isEmpty(), "fired before its time on " + clocks);
            s.time().advanceTicks(40);
            assertEquals(1, rec.times.size(), "invocations on " + clocks);
            assertTrue(rec.times.get(0) >= due, "fired at " + rec.times.get(0) + " before " + due);
            assertFalse(c.pending());
            s.time().advanceTicks(100);
            assertEquals(1, rec.times.size(), "fired again on " + clocks);
        }
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void resetSbt_onSecondCpu_firesExactlyOnceAtOrAfterItsTime(Clocks clocks) {
        Clocks.Setup s = clocks.create();
        try (CalloutWheel sys = s.build(b -> b.ncpus(2))) {
            s.time().advance(3 * SBT_1MS + 12345);
            Recorder rec = new Recorder(sys);
            Callout c = new Callout();
            sys.init(c, true);
            sys.resetSbtOn(c, 5 * SBT_1MS, 0, rec.func, rec, 1, 0);
            assertEquals(1, c.cpu());
            long due = c.time();
            s.time().advanceTo(due - 1);
            assertTrue(rec.times.isEmpty(), "fired early on " + clocks);
            s.time().advance(50 * SBT_1MS);
            assertEquals(List.of(rec.times.get(0)), rec.times, "exactly once on " + clocks);
            assertTrue(rec.times.get(0) >= due);
        }
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void stop_pending_neverFires(Clocks clocks) {
        Clocks.Setup s = clocks.create();
        try (CalloutWheel sys = s.build(b -> b.ncpus(2))) {
            AtomicInteger n = new AtomicInteger();
            Callout c = new Callout();
            sys.init(c, true);
            sys.reset(c, 5, COUNT, n);
            s.time().advanceTicks(2);
            assertEquals(1, sys.stop(c));
            s.time().advanceTicks(50);
            assertEquals(0, n.get(), "a stopped callout ran on " + clocks);
        }
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void reset_pending_runsOnlyTheNewHandlerOnce(Clocks clocks) {
        Clocks.Setup s = clocks.create();
        try (CalloutWheel sys = s.build(b -> b.ncpus(2))) {
            AtomicInteger first = new AtomicInteger();
            AtomicInteger second = new AtomicInteger();
            Callout c = new Callout();
            sys.init(c, true);
            sys.reset(c, 5, COUNT, first);
            s.time().advanceTicks(2);
            assertEquals(1, sys.reset(c, 20, COUNT, second));
            long due = c.time();
            s.time().advanceTicks(10);
            assertEquals(0, second.get() + first.get(), "nothing is due yet on " + clocks);
            s.time().advanceTo(Math.max(due, s.time().now()));
            s.time().advanceTicks(30);
            assertEquals(0, first.get(), "the replaced handler ran on " + clocks);
            assertEquals(1, second.get(), "the new handler on " + clocks);
        }
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void drain_heldHandler_waitsForItAndReturnsMinusOne(Clocks clocks) throws Exception {
        Clocks.Setup s = clocks.create();
        WaitObserver obs = new WaitObserver();
        HandlerGate gate = new HandlerGate();
        try (CalloutWheel sys = s.build(b -> b.ncpus(2).observer(obs))) {
            Callout c = new Callout();
            sys.init(c, true);
            sys.reset(c, 1, HandlerGate::enter, gate);
            Task<Void> adv = Task.start("advance", () -> {
                s.time().advanceTicks(5);
                return null;
            });
            try {
                assertTrue(gate.awaitEntered(SAFETY), "handler did not start on " + clocks);
                Task<Integer> drainer = Task.start("drain", () -> sys.drain(c));
                obs.awaitDrainWaits(1);
                assertFalse(drainer.done(), "drain returned while the handler was held");
                gate.open();
                assertEquals(-1, drainer.get());
                adv.get();
            } finally {
                gate.open();
                adv.joinQuietly();
            }
            assertFalse(c.pending());
        }
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void stop_whileLockWaiting_cancelsTheInvocation(Clocks clocks) throws Exception {
        Clocks.Setup s = clocks.create();
        WaitObserver obs = new WaitObserver();
        try (CalloutWheel sys = s.build(b -> b.ncpus(2).profile(Profile.MODERN).observer(obs))) {
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            AtomicInteger n = new AtomicInteger();
            Task<Void> adv;
            int stopped;
            m.lock();
            try {
                sys.reset(c, 1, COUNT, n);
                adv = Task.start("advance", () -> {
                    s.time().advanceTicks(5);
                    return null;
                });
                obs.awaitLockWait();
                stopped = sys.stop(c);
            } finally {
                m.unlock();
            }
            adv.get();
            assertEquals(1, stopped, "stop of a lock-waiting invocation on " + clocks);
            assertEquals(0, n.get(), "the cancelled handler ran on " + clocks);
            assertFalse(m.owned());
        }
    }
}
