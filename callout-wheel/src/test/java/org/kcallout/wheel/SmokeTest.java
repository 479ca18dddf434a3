package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kcallout.*;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.testing.CalloutObserver;
import org.kcallout.wheel.testing.HandlerGate;

final class SmokeTest {
    @Test
    void resetAdvance_fires_once() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).build()) {
            Callout c = new Callout();
            sys.init(c, true);
            AtomicInteger n = new AtomicInteger();
            assertEquals(0, sys.reset(c, 10, (AtomicInteger a) -> a.incrementAndGet(), n));
            assertTrue(c.pending());
            vt.advanceTicks(9);
            assertEquals(0, n.get());
            vt.advanceTicks(5);
            assertEquals(1, n.get());
            assertFalse(c.pending());
            assertTrue(c.active());
            assertEquals(-1, sys.stop(c));
        }
    }

    @Test
    void lockwait_stop_cancels() throws Exception {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        CountDownLatch lw = new CountDownLatch(1);
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).observer(new CalloutObserver() {
            @Override public void dispatchLockWait(Callout c) { lw.countDown(); }
        }).build()) {
            KMutex m = new KMutex("m");
            Callout c = new Callout();
            sys.initLock(c, m, 0);
            AtomicInteger n = new AtomicInteger();
            m.lock();
            sys.reset(c, 1, (AtomicInteger a) -> a.incrementAndGet(), n);
            Thread t = new Thread(() -> vt.advanceTicks(3));
            t.start();
            assertTrue(lw.await(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(1, sys.stop(c));
            m.unlock();
            t.join();
            assertEquals(0, n.get());
            assertFalse(m.owned());
        }
    }

    @Test
    void realtime_fires() throws Exception {
        try (CalloutWheel sys = CalloutWheel.builder().build()) {
            Callout c = new Callout();
            sys.init(c, true);
            CountDownLatch l = new CountDownLatch(1);
            sys.reset(c, 2, (CountDownLatch x) -> x.countDown(), l);
            assertTrue(l.await(30, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void drain_waits_for_handler() throws Exception {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        CountDownLatch dw = new CountDownLatch(1);
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).observer(new CalloutObserver() {
            @Override public void drainWait(Callout c) { dw.countDown(); }
        }).build()) {
            Callout c = new Callout();
            sys.init(c, true);
            HandlerGate g = new HandlerGate();
            sys.reset(c, 1, (HandlerGate x) -> x.enter(), g);
            Thread t = new Thread(() -> vt.advanceTicks(3));
            t.start();
            assertTrue(g.awaitEntered(Duration.ofSeconds(30)));
            int[] r = new int[1];
            Thread d = new Thread(() -> r[0] = sys.drain(c));
            d.start();
            assertTrue(dw.await(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, sys.reset(c, 5, (HandlerGate x) -> {}, g));
            assertFalse(c.pending());
            g.open();
            d.join(); t.join();
            assertEquals(-1, r[0]);
        }
    }
}
