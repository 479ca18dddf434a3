package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;
import org.kcallout.wheel.clock.ConcurrentVirtualClock;
import org.kcallout.wheel.clock.HandlerFailedException;
import org.kcallout.wheel.testing.HandlerGate;

/**
 * {@link ConcurrentVirtualClock}: CPUs that run at once under virtual time (issue 13, item 2),
 * and the port of FreeBSD's {@code sys/tests/callout_test} module that the inline virtual clock
 * cannot reproduce.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails with a thread dump
final class ConcurrentVirtualClockTest {

    /** Bounds every wait of a test thread on a handler: a safety net, never a timing assertion. */
    private static final long SAFETY_SECONDS = 60;

    private static CalloutWheel build(ConcurrentVirtualClock vt, int ncpus) {
        return CalloutWheel.builder().ncpus(ncpus).clock(vt).build();
    }

    private static Callout initialised(CalloutWheel sys) {
        Callout c = new Callout();
        sys.init(c, true);
        return c;
    }

    /** Two handlers on two CPUs meet at a barrier: possible only if they run at the same time. */
    @Test
    void handlersOnTwoCpus_runAtTheSameTime() {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        try (CalloutWheel sys = build(vt, 2)) {
            CyclicBarrier both = new CyclicBarrier(2);
            AtomicInteger met = new AtomicInteger();
            List<Integer> cpus = new java.util.concurrent.CopyOnWriteArrayList<>();
            CalloutFunc<Object> meet = x -> {
                cpus.add(sys.curcpu());
                try {
                    both.await(SAFETY_SECONDS, TimeUnit.SECONDS);
                    met.incrementAndGet();
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    throw new AssertionError("the other CPU's handler never ran alongside", e);
                }
            };
            for (int cpu = 0; cpu < 2; cpu++) {
                sys.resetOn(initialised(sys), 3, meet, null, cpu);
            }
            vt.advanceTicks(5); // returns once both handlers have passed the barrier
            assertEquals(2, met.get());
            assertEquals(List.of(0, 1), cpus.stream().sorted().toList(), "curcpu is the handler's CPU");
        }
    }

    /** What FreeBSD's callout_test module records for one run. */
    private static final class CalloutRun {
        final KMutex lock = new KMutex("callouttest");
        final AtomicInteger calloutWaiting = new AtomicInteger();
        final Callout[] coArray;
        int coReturnNpa;   // bailed: not pending or active cleared (under lock)
        int coCompleted;   // under lock
        int drainCalls;    // under lock
        int cntZero;
        int cntOne;

        CalloutRun(int n) {
            coArray = new Callout[n];
        }
    }

    /**
     * The port of {@code callout_test}'s test 1: one callout per CPU, armed with the test's lock
     * held; every handler runs and waits for that lock; with it still held, {@code
     * callout_async_drain} of each; then the lock is let go. FreeBSD reports every drain returning 0
     * (each callout is running) and every drain callback called; every handler then bails, because
     * a stop clears ACTIVE whether or not it stops the callout, and the handler checks it once it has
     * the lock. The inline virtual clock cannot reproduce it: its one thread runs one handler at a
     * time, so the second callout is still pending when it is drained (1 zero return, 1 non-zero).
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void calloutTest_asyncDrainAgainstRunningHandlers_givesFreeBsdFigures(int ncpus) {
        for (int round = 0; round < 10; round++) {
            ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
            try (CalloutWheel sys = build(vt, ncpus)) {
                CalloutRun rn = new CalloutRun(ncpus);
                CalloutFunc<Object> testCallout = x -> {
                    int cpu = sys.curcpu();
                    rn.calloutWaiting.incrementAndGet();
                    rn.lock.lock();
                    try {
                        Callout c = rn.coArray[cpu];
                        if (c.pending() || !c.active()) {
                            rn.coReturnNpa++;
                            rn.calloutWaiting.decrementAndGet();
                            return;
                        }
                        c.deactivate();
                        rn.coCompleted++;
                    } finally {
                        rn.lock.unlock();
                    }
                    rn.calloutWaiting.decrementAndGet();
                };
                CalloutFunc<Object> drainit = x -> {
                    rn.lock.lock();
                    try {
                        rn.drainCalls++;
                    } finally {
                        rn.lock.unlock();
                    }
                };
                for (int i = 0; i < ncpus; i++) {
                    rn.coArray[i] = initialised(sys);
                }
                rn.lock.lock();
                try {
                    for (int i = 0; i < ncpus; i++) {
                        sys.resetSbtOn(rn.coArray[i], 3, 0, testCallout, null, i % ncpus, 0);
                    }
                    // FreeBSD spins on ticks until every handler waits; here one advance returns
                    // when every CPU's handler is blocked on the lock this thread holds.
                    vt.advanceTicks(2);
                    assertEquals(ncpus, rn.calloutWaiting.get(), "every handler runs and waits for the lock");
                    for (int i = 0; i < ncpus; i++) {
                        if (sys.asyncDrain(rn.coArray[i], drainit) != 0) {
                            rn.cntOne++;
                        } else {
                            rn.cntZero++;
                        }
                    }
                    rn.calloutWaiting.addAndGet(-rn.cntOne);
                } finally {
                    rn.lock.unlock();
                }
                vt.advance(0); // returns when the handlers and the drain callbacks have finished
                String report = "round " + round + ": zero returns " + rn.cntZero + " non-zero " + rn.cntOne
                        + ", completed " + rn.coCompleted + ", bailed " + rn.coReturnNpa + ", drain calls "
                        + rn.drainCalls;
                assertEquals(ncpus, rn.cntZero, report);
                assertEquals(0, rn.cntOne, report);
                assertEquals(0, rn.coCompleted, report);
                assertEquals(ncpus, rn.coReturnNpa, report); // ACTIVE cleared by the drain: each bails
                assertEquals(ncpus, rn.drainCalls, report);
                assertEquals(0, rn.calloutWaiting.get(), report);
            }
        }
    }

    /**
     * The same scenario on the inline {@code VirtualTicklessClock} (as the README says): advanced
     * from a helper thread, its one thread runs CPU 0's handler, which waits for the lock, so CPU 1's
     * callout is still pending when it is drained: one zero return, one non-zero.
     */
    @Test
    void calloutTest_onTheInlineClock_drainsOneRunningAndOnePending() throws Exception {
        org.kcallout.wheel.clock.VirtualTicklessClock vt = new org.kcallout.wheel.clock.VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(2).clock(vt).build()) {
            KMutex lock = new KMutex("callouttest");
            AtomicInteger bailed = new AtomicInteger();
            AtomicInteger drainCalls = new AtomicInteger();
            Callout[] co = {initialised(sys), initialised(sys)};
            CalloutFunc<Object> handler = x -> {
                lock.lock();
                if (co[sys.curcpu()].pending() || !co[sys.curcpu()].active()) {
                    bailed.incrementAndGet();
                }
                lock.unlock();
            };
            int zero = 0;
            int nonZero = 0;
            Thread advancer;
            lock.lock();
            try {
                for (int i = 0; i < 2; i++) {
                    sys.resetSbtOn(co[i], 3, 0, handler, null, i, 0);
                }
                advancer = new Thread(() -> vt.advanceTicks(2), "advancer");
                advancer.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SAFETY_SECONDS);
                while (!lock.isQueued(advancer)) { // CPU 0's handler, on the advancing thread, waits
                    assertTrue(System.nanoTime() - deadline < 0, "the first handler never waited for the lock");
                    Thread.onSpinWait();
                }
                for (Callout c : co) {
                    if (sys.asyncDrain(c, x -> drainCalls.incrementAndGet()) != 0) {
                        nonZero++;
                    } else {
                        zero++;
                    }
                }
            } finally {
                lock.unlock();
            }
            advancer.join(TimeUnit.SECONDS.toMillis(SAFETY_SECONDS));
            assertFalse(advancer.isAlive());
            assertEquals(1, zero, "CPU 0's callout was running");
            assertEquals(1, nonZero, "CPU 1's was still pending: cancelled");
            assertEquals(1, bailed.get(), "the running one bails: the drain cleared ACTIVE");
            assertEquals(1, drainCalls.get(), "only the running one's drain callback runs");
        }
    }

    /** A handler waiting for a mutex the test holds: the advance returns; letting it go and advancing by 0 finishes it. */
    @Test
    void handlerBlockedOnAMutexTheTestHolds_advanceReturns_advanceZeroFinishesIt() {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        try (CalloutWheel sys = build(vt, 2)) {
            KMutex m = new KMutex("softc");
            AtomicInteger stage = new AtomicInteger();
            List<Thread> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
            Callout c = initialised(sys);
            sys.resetOn(c, 2, x -> {
                ran.add(Thread.currentThread());
                stage.set(1);
                m.lock();
                stage.set(2);
                m.unlock();
            }, null, 1);
            m.lock();
            try {
                vt.advanceTicks(4);
                assertEquals(1, stage.get(), "the handler runs and waits for the mutex");
                assertTrue(m.isQueued(ran.get(0)), "parked on the mutex");
                assertEquals(0, sys.stop(c), "running: stop cannot cancel it");
            } finally {
                m.unlock();
            }
            vt.advance(0);
            assertEquals(2, stage.get(), "advance(0) returned after the released handler finished");
        }
    }

    /** A handler held at a HandlerGate counts as settled until the test opens the gate. */
    @Test
    void handlerHeldAtAGate_advanceReturns_theTestActsThenOpens() {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        try (CalloutWheel sys = build(vt, 1)) {
            HandlerGate gate = new HandlerGate();
            AtomicInteger finished = new AtomicInteger();
            Callout c = initialised(sys);
            sys.reset(c, 1, x -> {
                gate.enter();
                finished.incrementAndGet();
            }, null);
            vt.advanceTicks(3);
            assertTrue(gate.awaitEntered(Duration.ofSeconds(SAFETY_SECONDS)), "the handler is held");
            assertEquals(0, sys.stop(c), "running: not cancellable");
            assertEquals(0, finished.get());
            gate.open();
            vt.advance(0);
            assertEquals(1, finished.get());
        }
    }

    /** Blocked on something the clock cannot see, past the timeout: the advance fails with a report, and nothing hangs. */
    @Test
    void unsettledHandler_failsTheAdvanceWithAReport() throws InterruptedException {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock(Duration.ofMillis(200));
        try (CalloutWheel sys = build(vt, 1)) {
            CountDownLatch latch = new CountDownLatch(1);
            sys.reset(initialised(sys), 1, x -> {
                try {
                    latch.await(SAFETY_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, null);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> vt.advanceTicks(3));
            assertTrue(e.getMessage().contains("did not settle"), e.getMessage());
            assertTrue(e.getMessage().contains("kcallout-vsoftclock-0"), e.getMessage());
            assertTrue(e.getMessage().contains("CountDownLatch"), e.getMessage());
            latch.countDown();
            vt.advance(0); // the handler finishes; the clock goes on
        }
    }

    /** A handler that throws fails the advance on this clock too. */
    @Test
    void throwingHandler_failsTheAdvance() {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        try (CalloutWheel sys = build(vt, 2)) {
            RuntimeException boom = new IllegalStateException("boom");
            Callout c = initialised(sys);
            sys.resetOn(c, 1, x -> {
                throw boom;
            }, null, 1);
            HandlerFailedException e = assertThrows(HandlerFailedException.class, () -> vt.advanceTicks(3));
            assertSame(boom, e.getCause());
            assertSame(c, e.callout());
        }
    }

    /** Moving time from a handler would wait for itself: refused. */
    @Test
    void advanceFromAHandler_isRefused() {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        try (CalloutWheel sys = build(vt, 1)) {
            sys.reset(initialised(sys), 1, x -> vt.advance(0), null);
            HandlerFailedException e = assertThrows(HandlerFailedException.class, () -> vt.advanceTicks(3));
            IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(cause.getMessage().contains("inside a callout handler"), cause.getMessage());
        }
    }

    /** close() ends the clock's threads. */
    @RepeatedTest(3)
    void close_endsTheThreads() throws InterruptedException {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        List<Thread> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (CalloutWheel sys = build(vt, 2)) {
            for (int cpu = 0; cpu < 2; cpu++) {
                sys.resetOn(initialised(sys), 1, x -> workers.add(Thread.currentThread()), null, cpu);
            }
            vt.advanceTicks(3);
            assertEquals(2, workers.size());
        }
        for (Thread t : workers) {
            t.join(TimeUnit.SECONDS.toMillis(SAFETY_SECONDS));
            assertFalse(t.isAlive(), t.getName() + " still runs after close");
        }
    }

    /** Close by the holder of the mutex a running handler waits for: returns, and the handler ends once let go. */
    @Test
    void close_byTheHolderOfTheMutexAHandlerWaitsFor_returns_theHandlerFinishesAfter() throws InterruptedException {
        ConcurrentVirtualClock vt = new ConcurrentVirtualClock();
        CalloutWheel sys = build(vt, 1);
        KMutex m = new KMutex("softc");
        AtomicInteger finished = new AtomicInteger();
        List<Thread> worker = new java.util.concurrent.CopyOnWriteArrayList<>();
        sys.reset(initialised(sys), 1, x -> {
            worker.add(Thread.currentThread());
            m.lock();
            finished.incrementAndGet();
            m.unlock();
        }, null);
        m.lock();
        try {
            vt.advanceTicks(3);
            assertEquals(1, worker.size(), "the handler runs and waits for m");
            sys.close(); // must not wait for the handler that waits for us
            assertEquals(0, finished.get());
        } finally {
            m.unlock();
        }
        worker.get(0).join(TimeUnit.SECONDS.toMillis(SAFETY_SECONDS));
        assertFalse(worker.get(0).isAlive(), "the thread ends once the handler has returned");
        assertEquals(1, finished.get(), "the handler that had started completes");
    }

    @Test
    void settleTimeout_mustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ConcurrentVirtualClock(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new ConcurrentVirtualClock(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> new ConcurrentVirtualClock(null));
    }
}
