package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.wheel.SpecSupport.SAFETY;
import static org.kcallout.wheel.internal.IpiChannel.IPI_HARDCLOCK;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.kcallout.wheel.internal.IpiChannel;

/**
 * The contract of {@link IpiChannel} (the JCTools-backed simulated IPIs): a pending kind absorbs
 * repeated posts, a post made while the consumer handles the previous one is a new IPI, CPUs are
 * independent, and under concurrent posting no request is ever left unseen.
 */
final class IpiChannelTest {

    @Test
    void send_kindAlreadyPending_isAbsorbedAndWakesOnce() {
        AtomicInteger wakes = new AtomicInteger();
        IpiChannel ch = IpiChannel.create(2, cpu -> wakes.incrementAndGet());
        assertTrue(ch.send(1, IPI_HARDCLOCK));
        assertFalse(ch.send(1, IPI_HARDCLOCK), "a second IPI_HARDCLOCK while one is pending");
        assertEquals(1, wakes.get());
        assertTrue(ch.pending(1));
        assertFalse(ch.pending(0), "CPUs are independent");
        assertEquals(IPI_HARDCLOCK, ch.poll(1));
        assertEquals(-1, ch.poll(1), "one delivery for the absorbed posts");
        assertFalse(ch.pending(1));
    }

    @Test
    void drain_handlerPostsToItsOwnCpu_leavesThatForTheNextCall() {
        IpiChannel ch = IpiChannel.create(1, cpu -> { });
        List<Integer> seen = new ArrayList<>();
        ch.send(0, IPI_HARDCLOCK);
        int n = ch.drain(0, (cpu, kind) -> {
            seen.add(kind);
            assertTrue(ch.send(0, IPI_HARDCLOCK), "posted during handling: a new IPI, not absorbed");
        });
        assertEquals(1, n, "bounded: the IPI posted by the handler waits");
        assertEquals(List.of(IPI_HARDCLOCK), seen);
        assertTrue(ch.pending(0));
        assertEquals(1, ch.drain(0, (cpu, kind) -> { }));
        assertEquals(0, ch.drain(0, (cpu, kind) -> { }));
    }

    @Test
    void badArguments_areRefusedNamingTheValue() {
        IpiChannel ch = IpiChannel.create(2, cpu -> { });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ch.send(2, IPI_HARDCLOCK));
        assertTrue(e.getMessage().contains("got 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ch.send(0, IpiChannel.IPI_KINDS));
        assertTrue(e.getMessage().contains("kind"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ch.poll(-1));
        assertThrows(IllegalArgumentException.class, () -> IpiChannel.create(0, cpu -> { }));
    }

    /**
     * Several producers each write a request number and post; one consumer thread per CPU, woken
     * by the waker, reads the latest request after each delivery. Every producer's last request is
     * seen: an absorbed post is always covered by a delivery that happens after it.
     */
    @Test
    void concurrentPosts_neverLoseARequest() throws Exception {
        int ncpus = 2;
        int producers = 4;
        int perProducer = 20_000;
        AtomicLong[] request = {new AtomicLong(), new AtomicLong()};
        AtomicLong[] seen = {new AtomicLong(), new AtomicLong()};
        Thread[] consumers = new Thread[ncpus];
        IpiChannel ch = IpiChannel.create(ncpus, cpu -> LockSupport.unpark(consumers[cpu]));
        AtomicInteger stop = new AtomicInteger();
        for (int cpu = 0; cpu < ncpus; cpu++) {
            int me = cpu;
            consumers[cpu] = new Thread(() -> {
                while (stop.get() == 0 || ch.pending(me)) {
                    if (ch.drain(me, (c, kind) -> seen[c].accumulateAndGet(request[c].get(), Math::max)) == 0) {
                        LockSupport.park(); // only the waker (or the end) wakes it: a lost wake-up hangs here
                    }
                }
            }, "ipi-consumer-" + cpu);
            consumers[cpu].start();
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ps = new ArrayList<>();
        AtomicLong next = new AtomicLong();
        for (int p = 0; p < producers; p++) {
            int cpu = p % ncpus;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    request[cpu].accumulateAndGet(next.incrementAndGet(), Math::max); // the request...
                    ch.send(cpu, IPI_HARDCLOCK);                                    // ...then the IPI
                }
            }, "ipi-producer-" + p);
            ps.add(t);
            t.start();
        }
        go.countDown();
        for (Thread t : ps) {
            t.join(SAFETY.toMillis());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SAFETY.toMillis());
        for (int cpu = 0; cpu < ncpus; cpu++) {
            while (seen[cpu].get() != request[cpu].get() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(request[cpu].get(), seen[cpu].get(), "CPU " + cpu + " saw the last request");
        }
        stop.set(1);
        for (Thread c : consumers) {
            LockSupport.unpark(c);
            c.join(SAFETY.toMillis());
        }
    }
}
