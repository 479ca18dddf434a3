package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.Sbt.SBT_1MS;
import static org.kcallout.wheel.EtTestSupport.registryOf;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutLock;
import org.kcallout.CalloutSystem;
import org.kcallout.KMutex;
import org.kcallout.KernTimeout;
import org.kcallout.Profile;
import org.opentest4j.AssertionFailedError;
import org.kcallout.wheel.clock.ClockSource;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.driver.RealTimeTimerDriver;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.seam.CpuThread;
import org.kcallout.wheel.clock.ClockTestAccess;

/**
 * The lifecycle of a callout system: what {@code close()} stops, waits for and never waits for
 * (see {@link CalloutSystem#close()}), use after close, and the faults that used to lose an
 * invocation or hang a thread (a lock kept by a RETURNUNLOCKED handler, a lock held by the thread
 * that drives virtual time, an interrupt status left by a handler). Every step that could hang
 * runs {@link Bounded}: a hang fails the test with a thread dump instead of stalling the build.
 */
final class LifecycleTest {
    /* Implementation notes: the real-time cases order their threads with latches and the
     * observer's dispatchLockWait hook; where a test must know that a thread is blocked inside
     * close() it waits for the thread's state to leave RUNNABLE (bounded), which a close() that
     * wrongly returned at once also ends (TERMINATED), so such a bug fails the order check. */

    private static final CalloutFunc<AtomicInteger> COUNT = AtomicInteger::incrementAndGet;

    /** The clocks that run handlers on threads of their own (softclock threads). */
    enum RealTime {
        /** The library's default clock, {@link RealTimeTicklessClock}. */
        TICKLESS(() -> null),
        /** {@link EventTimerClock} on a {@link RealTimeTimerDriver}, one-shot. */
        EVENT_TIMER_CLOCK(() -> EventTimerClock.builder().registry(registryOf(new RealTimeTimerDriver())).build());

        private final Supplier<ClockSource> clock;

        RealTime(Supplier<ClockSource> clock) {
            this.clock = clock;
        }

        CalloutWheel build(Consumer<CalloutWheelBuilder> configure) {
            CalloutWheelBuilder b = CalloutWheel.builder().ncpus(1);
            ClockSource cs = clock.get();
            if (cs != null) {
                b.clock(cs);
            }
            configure.accept(b);
            return b.build();
        }
    }

    /** Releases a latch when the dispatcher is about to wait for the lock of a given callout. */
    private static final class LockWaitLatch implements CalloutObserver {
        volatile Callout watched;
        final CountDownLatch waiting = new CountDownLatch(1);

        @Override
        public void dispatchLockWait(Callout c) {
            if (c == watched) {
                waiting.countDown();
            }
        }
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(Bounded.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionFailedError(what + " did not happen within " + Bounded.LIMIT.toSeconds() + " s.\n"
                    + Bounded.threadDump());
        }
    }

    /** The softclock threads of {@code sys} still alive. */
    private static List<Thread> softclockThreads(CalloutWheel sys) {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (WheelProbe.of(sys).isSystemThread(t) && t.getName().startsWith("kcallout-softclock-") && t.isAlive()) {
                out.add(t);
            }
        }
        return out;
    }

    private static void joinSoftclockThreads(CalloutWheel sys) throws InterruptedException {
        for (Thread t : softclockThreads(sys)) {
            Bounded.join("softclock thread of a closed system", t);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Defect 1: close() never deadlocks                                                         */

    /** The thread holding m closes while the dispatcher waits for m: the invocation is cancelled. */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void close_byTheMutexHolderWhileTheDispatcherWaitsForIt_returnsAndCancelsTheInvocation(RealTime rt)
            throws Throwable {
        LockWaitLatch obs = new LockWaitLatch();
        CalloutWheel sys = rt.build(b -> b.observer(obs));
        KMutex m = new KMutex("m");
        Callout c = new Callout();
        sys.initLock(c, m, 0);
        obs.watched = c;
        AtomicInteger ran = new AtomicInteger();
        Bounded.run("close() by the holder of the callout's mutex", () -> {
            m.lock();
            try {
                sys.reset(c, 1, COUNT, ran);
                await(obs.waiting, "the dispatcher waiting for m");
                sys.close();
                assertFalse(c.pending(), "pending after close");
                assertFalse(c.active(), "active after close");
            } finally {
                m.unlock();
            }
        });
        joinSoftclockThreads(sys); // the cancelled dispatcher takes m, lets go, and its thread ends
        assertEquals(0, ran.get(), "the cancelled invocation never runs its handler");
    }

    /**
     * The thread holding a KMutex closes while a started MPSAFE handler waits for that mutex in its
     * body: close() returns (it would otherwise wait for itself), and the handler completes once
     * the mutex is let go.
     */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void close_byTheHolderOfAKMutexARunningHandlerWaitsFor_returns_andTheHandlerCompletesAfter(RealTime rt)
            throws Throwable {
        CalloutWheel sys = rt.build(b -> { });
        KMutex m = new KMutex("softc");
        Callout c = new Callout();
        sys.init(c, true);
        AtomicInteger finished = new AtomicInteger();
        AtomicReference<Thread> handler = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Bounded.run("close() by the holder of the mutex a running handler waits for", () -> {
            m.lock();
            try {
                sys.reset(c, 1, x -> {
                    handler.set(Thread.currentThread());
                    started.countDown();
                    m.lock();
                    finished.incrementAndGet();
                    m.unlock();
                }, null);
                await(started, "the handler to start");
                while (KMutex.blockingMutexOf(handler.get()) != m) { // until it parks on m
                    Thread.onSpinWait();
                }
                sys.close();
                assertEquals(0, finished.get(), "close returned before the handler could go on");
            } finally {
                m.unlock();
            }
        });
        Bounded.join("the handler's thread after the mutex was let go", handler.get());
        assertEquals(1, finished.get(), "the handler completes once let go");
    }

    /** A Giant handler on CPU 0 closes while a Giant callout on CPU 1 waits for Giant. */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void close_fromAGiantHandlerWhileAGiantCalloutWaitsOnAnotherCpu_returns(RealTime rt) throws Throwable {
        LockWaitLatch obs = new LockWaitLatch();
        CalloutWheel sys = rt.build(b -> b.ncpus(2).observer(obs));
        Callout c0 = new Callout();
        Callout c1 = new Callout();
        sys.init(c0, false); // Giant
        sys.init(c1, false);
        obs.watched = c1;
        AtomicBoolean closeReturned = new AtomicBoolean();
        AtomicInteger c1Ran = new AtomicInteger();
        List<Throwable> handlerErrors = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        CalloutFunc<Object> closer = x -> {
            try {
                await(obs.waiting, "the Giant callout on CPU 1 waiting for Giant");
                sys.close();
                closeReturned.set(true);
            } catch (Throwable t) {
                handlerErrors.add(t);
            } finally {
                done.countDown();
            }
        };
        sys.resetOn(c0, 1, closer, null, 0);
        sys.resetOn(c1, 5, COUNT, c1Ran, 1);
        await(done, "the closing handler");
        assertEquals(List.of(), handlerErrors);
        assertTrue(closeReturned.get());
        joinSoftclockThreads(sys);
        assertEquals(0, c1Ran.get(), "the Giant callout that waited was cancelled by close");
        assertFalse(c1.pending());
    }

    /** close() waits for a handler that has started, and returns after it. */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void close_whileAHandlerRuns_waitsForIt(RealTime rt) throws Throwable {
        CalloutWheel sys = rt.build(b -> { });
        Callout c = new Callout();
        sys.init(c, true);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        sys.reset(c, 1, x -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add("handler returns");
        }, null);
        await(started, "the handler");
        Thread closer = new Thread(() -> {
            sys.close();
            order.add("close returns");
        }, "closer");
        closer.setDaemon(true);
        closer.start();
        Bounded.run("the closer blocking in close()", () -> {
            while (closer.getState() == Thread.State.RUNNABLE || closer.getState() == Thread.State.NEW) {
                Thread.onSpinWait();
            }
        });
        release.countDown();
        Bounded.join("close()", closer);
        assertEquals(List.of("handler returns", "close returns"), order);
        assertTrue(softclockThreads(sys).isEmpty(), "close() returned before its softclock thread ended");
    }

    /** A handler closes its own system, for each kind of callout; close() returns in the handler. */
    @ParameterizedTest
    @EnumSource(HandlerKind.class)
    void close_fromInsideAHandler_returnsAndStopsTheRest(HandlerKind kind) throws Throwable {
        for (RealTime rt : RealTime.values()) {
            CalloutWheel sys = rt.build(b -> { });
            Callout c = kind.init(sys);
            Callout other = new Callout();
            sys.init(other, true);
            sys.reset(other, 60_000, COUNT, new AtomicInteger());
            CountDownLatch done = new CountDownLatch(1);
            AtomicBoolean returned = new AtomicBoolean();
            CalloutFunc<Object> closes = x -> {
                sys.close();
                returned.set(true);
                done.countDown();
            };
            kind.arm(sys, c, closes);
            await(done, kind + " handler closing the system on " + rt);
            assertTrue(returned.get());
            assertTrue(sys.isClosed());
            assertFalse(other.pending(), "close stopped the other callout");
            joinSoftclockThreads(sys);
        }
        // And in virtual time, where the handler runs on the advancing thread.
        VirtualTicklessClock vt = new VirtualTicklessClock();
        CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build();
        Callout c = kind.init(sys);
        AtomicBoolean returned = new AtomicBoolean();
        kind.arm(sys, c, x -> {
            sys.close();
            returned.set(true);
        });
        Bounded.run("advance into a handler that closes", () -> vt.advanceTicks(3));
        assertTrue(returned.get());
        assertTrue(sys.isClosed());
    }

    /** The callouts a handler can be: no lock, a mutex, Giant, direct. */
    enum HandlerKind {
        PLAIN, MUTEX, GIANT, DIRECT;

        Callout init(CalloutWheel sys) {
            Callout c = new Callout();
            switch (this) {
                case MUTEX:
                    sys.initLock(c, new KMutex("h"), 0);
                    break;
                case GIANT:
                    sys.init(c, false);
                    break;
                case PLAIN:
                case DIRECT:
                    sys.init(c, true);
                    break;
                default:
                    throw new AssertionError(this);
            }
            return c;
        }

        void arm(CalloutWheel sys, Callout c, CalloutFunc<Object> f) {
            if (this == DIRECT) {
                sys.resetSbt(c, SBT_1MS, 0, f, null, C_DIRECT_EXEC);
            } else if (this == MUTEX) {
                CalloutLock l = c.lock();
                l.lock();
                try {
                    sys.reset(c, 1, f, null);
                } finally {
                    l.unlock();
                }
            } else {
                sys.reset(c, 1, f, null);
            }
        }
    }

    /** A second close(), later or from another thread, returns and changes nothing. */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void close_twice_isIdempotent(RealTime rt) throws Throwable {
        CalloutWheel sys = rt.build(b -> { });
        Bounded.run("close() twice", () -> {
            sys.close();
            sys.close();
        });
        Thread other = new Thread(sys::close, "second closer");
        other.start();
        Bounded.join("close() from another thread", other);
        assertTrue(sys.isClosed());
        assertTrue(softclockThreads(sys).isEmpty());
    }

    /** Building and closing systems leaves no thread behind, on every clock. */
    @Test
    void buildAndClose_fiftySystemsPerClock_leavesNoThreadBehind() throws Throwable {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        for (RealTime rt : RealTime.values()) {
            for (int i = 0; i < 50; i++) {
                CalloutWheel sys = rt.build(b -> b.ncpus(2));
                Callout c = new Callout();
                sys.init(c, true);
                sys.reset(c, 1000, COUNT, new AtomicInteger());
                Bounded.run("close() of system " + i + " on " + rt, sys::close);
            }
        }
        for (Clocks clocks : Clocks.values()) {
            for (int i = 0; i < 50; i++) {
                CalloutWheel sys = clocks.create().build(b -> b.ncpus(2));
                Bounded.run("close() of system " + i + " on " + clocks, sys::close);
            }
        }
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(t) && t.isAlive() && t.getName().startsWith("kcallout")) {
                left.add(t.getName());
            }
        }
        assertEquals(List.of(), left, "threads of closed systems still alive");
    }

    /** A clock whose start fails: the build throws and no softclock thread is left running. */
    @Test
    void build_clockFailsToStart_throwsAndLeavesNoThreadBehind() throws Throwable {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        ClockSource failing = ClockTestAccess.failingToStart();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CalloutWheel.builder().ncpus(2).clock(failing).build());
        assertTrue(e.getMessage().contains("cannot start"), e.getMessage());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(t) && t instanceof CpuThread) {
                Bounded.join("softclock thread of a system that failed to build", t);
            }
        }
    }

    /** The facade's default system starts its threads on first use and a closed one is replaced. */
    @Test
    void defaultSystem_startsOnFirstUse_stopsOnClose_andIsReplacedAfterClose() throws Throwable {
        CalloutSystem previous = KernTimeout.setSystem(null);
        try {
            CalloutSystem first = KernTimeout.system();
            assertTrue(first instanceof CalloutWheel);
            assertFalse(softclockThreads((CalloutWheel) first).isEmpty(), "threads start with the default system");
            Callout c = new Callout();
            KernTimeout.callout_init(c, 1);
            KernTimeout.callout_reset(c, 1000, COUNT, new AtomicInteger());
            Bounded.run("close() of the default system", first::close);
            assertTrue(softclockThreads((CalloutWheel) first).isEmpty(), "threads stop on close");
            assertFalse(c.pending());

            CalloutSystem second = KernTimeout.system();
            assertNotSame(first, second, "a closed default is replaced on next use");
            assertFalse(second.isClosed());
            // The old callout stays bound to the closed system: arming it is refused, not lost.
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> KernTimeout.callout_reset(c, 1, COUNT, new AtomicInteger()));
            assertTrue(e.getMessage().contains("another callout system"), e.getMessage());
            Bounded.run("close() of the second default", second::close);
        } finally {
            CalloutSystem mine = KernTimeout.setSystem(previous);
            if (mine != null && mine != previous) {
                mine.close();
            }
        }
    }

    /** A system installed with setSystem stays the default once closed; arming through it throws. */
    @Test
    void installedSystem_closed_armingThroughTheFacadeThrows() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build();
        CalloutSystem previous = KernTimeout.setSystem(sys);
        try {
            Callout c = new Callout();
            KernTimeout.callout_init(c, 1);
            sys.close();
            assertSame(sys, KernTimeout.system());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> KernTimeout.callout_reset(c, 1, COUNT, new AtomicInteger()));
            assertTrue(e.getMessage().startsWith("callout_reset:") && e.getMessage().contains("closed"),
                    e.getMessage());
            assertFalse(c.pending());
        } finally {
            KernTimeout.setSystem(previous);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Defect 2: use after close                                                                */

    /** Pending callouts are stopped by close; arming and initialising afterwards throw. */
    @ParameterizedTest
    @EnumSource(Clocks.class)
    void useAfterClose_armsThrowAndPendingCalloutsAreStopped(Clocks clocks) {
        CalloutWheel sys = clocks.create().build(b -> b.ncpus(2));
        Callout c = new Callout();
        sys.init(c, true);
        Callout d = new Callout();
        sys.init(d, true);
        AtomicInteger ran = new AtomicInteger();
        sys.reset(c, 10, COUNT, ran);
        sys.resetOn(d, 20, COUNT, ran, 1);
        assertTrue(c.pending() && d.pending());

        sys.close();

        assertFalse(c.pending() || c.active() || d.pending() || d.active(), "close stops what is pending");
        assertEquals(0, WheelProbe.of(sys).pendingCount(0) + WheelProbe.of(sys).pendingCount(1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sys.reset(c, 1, COUNT, ran));
        assertTrue(e.getMessage().startsWith("callout_reset:") && e.getMessage().contains("closed"), e.getMessage());
        assertFalse(c.pending(), "a refused arm changes nothing");
        e = assertThrows(IllegalStateException.class, () -> sys.schedule(c, 1));
        assertTrue(e.getMessage().startsWith("callout_schedule:") && e.getMessage().contains("closed"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> sys.init(new Callout(), true));
        assertTrue(e.getMessage().startsWith("callout_init:") && e.getMessage().contains("closed"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> sys.initLock(new Callout(), new KMutex("x"), 0));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        // Stop and drain keep working: nothing is pending any more.
        assertEquals(-1, sys.stop(c));
        assertEquals(-1, sys.drain(d));
        assertTrue(sys.drainAsync(c).toCompletableFuture().isDone());
        assertEquals(0, ran.get());
    }

    /** CLASSIC returns its own "nothing to stop" value after close. */
    @Test
    void stopAfterClose_classic_returnsZero() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        CalloutWheel sys = CalloutWheel.builder().profile(Profile.CLASSIC).ncpus(1).clock(vt).build();
        Callout c = new Callout();
        sys.init(c, true);
        sys.reset(c, 10, COUNT, new AtomicInteger());
        sys.close();
        assertEquals(0, sys.stop(c));
        assertEquals(0, sys.drain(c));
    }

    /** A virtual clock cannot move once its system is closed. */
    @Test
    void advance_afterClose_throws() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build();
        sys.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> vt.advanceTicks(1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Defect 3: a RETURNUNLOCKED handler that keeps its lock                                     */

    /** The case: a keeps m; b, due later on m, still runs, and m is free afterwards. */
    @Test
    void returnUnlockedHandlerKeepingItsLock_virtual_nextCalloutOnTheLockRuns() throws Throwable {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt)
                .failureHook((c, t) -> failures.add(t)).build()) {
            KMutex m = new KMutex("m");
            Callout a = new Callout();
            Callout b = new Callout();
            sys.initLock(a, m, org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED);
            sys.initLock(b, m, 0);
            AtomicInteger n = new AtomicInteger();
            m.lock();
            sys.reset(a, 1, x -> { }, null);
            sys.reset(b, 20, COUNT, n);
            m.unlock();

            vt.advanceTicks(25);

            assertEquals(1, n.get(), "b ran");
            assertFalse(m.owned());
            assertTrue(m.tryLock(), "m is free");
            m.unlock();
            assertEquals(1, failures.size(), String.valueOf(failures));
            String msg = failures.get(0).getMessage();
            assertTrue(msg.contains("CALLOUT_RETURNUNLOCKED") && msg.contains("m"), msg);
        }
    }

    /** The same on a softclock thread: m is not kept by the thread, so other threads can take it. */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void returnUnlockedHandlerKeepingItsLock_realTime_lockIsReleasedAndNextCalloutRuns(RealTime rt)
            throws Throwable {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CalloutWheel sys = rt.build(b -> b.failureHook((c, t) -> failures.add(t)));
        try {
            KMutex m = new KMutex("m");
            Callout a = new Callout();
            Callout b = new Callout();
            sys.initLock(a, m, org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED);
            sys.initLock(b, m, 0);
            CountDownLatch bRan = new CountDownLatch(1);
            m.lock();
            sys.reset(a, 1, x -> { }, null);
            sys.reset(b, 20, (CountDownLatch l) -> l.countDown(), bRan);
            m.unlock();
            await(bRan, "b's handler");
            Bounded.run("taking m on another thread", () -> {
                m.lock();
                m.unlock();
            });
            assertEquals(1, failures.size(), String.valueOf(failures));
        } finally {
            Bounded.run("close()", sys::close);
        }
    }

    /** A handler of a callout without a lock leaves m locked on the softclock thread: the next callout on m still runs. */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void handlerLeavingAnotherLockHeld_nextCalloutOnThatLockRunsAndTheLeakIsReported(RealTime rt) throws Throwable {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CalloutWheel sys = rt.build(b -> b.failureHook((c, t) -> failures.add(t)));
        try {
            KMutex m = new KMutex("leaked");
            Callout a = new Callout();
            Callout b = new Callout();
            sys.init(a, true);
            sys.initLock(b, m, 0);
            CountDownLatch bRan = new CountDownLatch(1);
            sys.reset(a, 1, x -> m.lock(), null); // returns holding m: a bug in the handler
            m.lock();
            sys.reset(b, 20, (CountDownLatch l) -> l.countDown(), bRan);
            m.unlock();
            await(bRan, "b's handler");
            Bounded.run("taking m on another thread", () -> {
                m.lock();
                m.unlock();
            });
            assertEquals(1, failures.size(), String.valueOf(failures));
            assertTrue(failures.get(0).getMessage().contains("leaked"), failures.get(0).getMessage());
        } finally {
            Bounded.run("close()", sys::close);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Defect 4: the thread that advances virtual time holds a due callout's lock                */

    /**
     * The advance stops with an exception; the invocation stays pending and runs later. Not on
     * {@link Clocks#CONCURRENT}: there the dispatcher is a CPU's own thread, which waits for the
     * lock as a kernel's would (ConcurrentVirtualClockTest covers that).
     */
    @ParameterizedTest
    @EnumSource(value = Clocks.class, mode = EnumSource.Mode.EXCLUDE, names = "CONCURRENT")
    void advance_whileHoldingADueCalloutsLock_throwsAndKeepsItPending(Clocks clocks) throws Throwable {
        Clocks.Setup s = clocks.create();
        try (CalloutWheel sys = s.build(b -> b.ncpus(1))) {
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            Callout free = new Callout();
            sys.init(free, true);
            AtomicInteger n = new AtomicInteger();
            AtomicInteger freeRan = new AtomicInteger();
            sys.reset(free, 1, COUNT, freeRan);
            m.lock();
            try {
                sys.reset(c, 2, COUNT, n);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.time().advanceTicks(5));
                assertTrue(e.getMessage().contains("m") && e.getMessage().contains("pending"), e.getMessage());
                assertTrue(c.pending(), "the invocation is kept");
                assertEquals(0, n.get());
            } finally {
                m.unlock();
            }
            assertEquals(1, freeRan.get(), "a callout due before it ran as usual");
            s.time().advanceTicks(1);
            assertEquals(1, n.get(), "it runs once the lock is free");
            assertFalse(c.pending());
        }
    }

    @Test
    void advanceTicks_beforeTheSystemIsBuilt_throwsIllegalState() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> vt.advanceTicks(1));
        assertTrue(e.getMessage().startsWith("advanceTicks:") && e.getMessage().contains("not attached"),
                e.getMessage());
        assertThrows(IllegalStateException.class, vt::ticks);
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Defect 6: the interrupt status                                                           */

    /** A handler's interrupt does not reach the next handler, nor the advancing thread. */
    @Test
    void interrupt_leftByAHandler_doesNotLeakToTheNextOrToTheAdvancingThread() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build()) {
            Callout a = new Callout();
            Callout b = new Callout();
            sys.init(a, true);
            sys.init(b, true);
            AtomicBoolean bSawInterrupt = new AtomicBoolean(true);
            sys.reset(a, 1, x -> Thread.currentThread().interrupt(), null);
            sys.reset(b, 1, x -> bSawInterrupt.set(Thread.currentThread().isInterrupted()), null);
            vt.advanceTicks(2);
            assertFalse(bSawInterrupt.get(), "b started with a clear interrupt status");
            assertFalse(Thread.interrupted(), "the advancing thread is not left interrupted");
        }
    }

    /** The advancing thread's own interrupt status is kept, and hidden from the handler. */
    @Test
    void interrupt_ofTheAdvancingThread_isHiddenFromHandlersAndKept() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build()) {
            Callout a = new Callout();
            sys.init(a, true);
            AtomicBoolean sawInterrupt = new AtomicBoolean(true);
            sys.reset(a, 1, x -> sawInterrupt.set(Thread.currentThread().isInterrupted()), null);
            Thread.currentThread().interrupt();
            try {
                vt.advanceTicks(2);
                assertFalse(sawInterrupt.get(), "the handler started with a clear interrupt status");
                assertTrue(Thread.currentThread().isInterrupted(), "the advancing thread's status was put back");
            } finally {
                Thread.interrupted();
            }
        }
    }

    /** On a softclock thread too. */
    @ParameterizedTest
    @EnumSource(RealTime.class)
    void interrupt_leftByAHandler_doesNotLeakOnASoftclockThread(RealTime rt) throws Throwable {
        CalloutWheel sys = rt.build(b -> { });
        try {
            Callout a = new Callout();
            Callout b = new Callout();
            sys.init(a, true);
            sys.init(b, true);
            AtomicBoolean bSawInterrupt = new AtomicBoolean(true);
            CountDownLatch done = new CountDownLatch(1);
            sys.reset(a, 1, x -> Thread.currentThread().interrupt(), null);
            sys.reset(b, 3, x -> {
                bSawInterrupt.set(Thread.currentThread().isInterrupted());
                done.countDown();
            }, null);
            await(done, "b's handler");
            assertFalse(bSawInterrupt.get());
        } finally {
            Bounded.run("close()", sys::close);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Defect 7: exception types                                                                */

    @Test
    void queries_nullCallout_throwIllegalArgumentNamingTheMacro() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sys.pending(null));
            assertTrue(e.getMessage().startsWith("callout_pending:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> sys.active(null));
            assertTrue(e.getMessage().startsWith("callout_active:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> sys.deactivate(null));
            assertTrue(e.getMessage().startsWith("callout_deactivate:"), e.getMessage());
        }
    }

    @Test
    void builder_nullProfile_throwsIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CalloutWheel.builder().profile(null));
        assertTrue(e.getMessage().contains("profile"), e.getMessage());
    }

    /** A callout of a system with a smaller wheel, asked about a bucket only this one has. */
    @Test
    void inBucket_calloutOfAnotherSystem_throwsIllegalStateAndChangesNothing() {
        try (CalloutWheel big = CalloutWheel.builder().ncpus(2).callwheelSize(16384).clock(new VirtualTicklessClock()).build();
             CalloutWheel small = CalloutWheel.builder().ncpus(1).callwheelSize(16).clock(new VirtualTicklessClock()).build()) {
            Callout c = new Callout();
            small.init(c, true);
            small.reset(c, 5, COUNT, new AtomicInteger());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> WheelProbe.of(big).inBucket(c, 9000));
            assertTrue(e.getMessage().startsWith("inBucket:") && e.getMessage().contains("another callout system"),
                    e.getMessage());
            assertTrue(c.pending());
        }
    }

    /** An error names the function the user called, not the primitive it reduces to. */
    @Test
    void errors_nameTheFunctionTheUserCalled() {
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(new VirtualTicklessClock()).build()) {
            Callout c = new Callout();
            sys.init(c, true);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sys.reset(c, 1, null, null))
                    .getMessage().startsWith("callout_reset:"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sys.resetOn(c, 1, COUNT, null, 7))
                    .getMessage().startsWith("callout_reset_on:"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sys.resetSbt(c, 1, -1, COUNT, null, 0))
                    .getMessage().startsWith("callout_reset_sbt:"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sys.resetCurcpu(new Callout(), 1, null, null))
                    .getMessage().startsWith("callout_reset_curcpu:"));
            assertTrue(assertThrows(IllegalStateException.class, () -> sys.scheduleOn(c, 1, 0))
                    .getMessage().startsWith("callout_schedule_on:"));
            assertTrue(assertThrows(IllegalStateException.class, () -> sys.scheduleSbtOn(c, 1, 0, 0, 1 << 30))
                    .getMessage().startsWith("callout_schedule_sbt_on:"));
        }
    }
}
