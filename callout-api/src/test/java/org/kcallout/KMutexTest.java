package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link KMutex}: FreeBSD mtx(9) semantics. */
final class KMutexTest {

    /** Liveness guard for waits: never reached when the code is right; not a timing assertion. */
    private static final long GUARD_SECONDS = 30;

    /* ---------------------------------------------------------------------------------------- */
    /* Construction                                                                              */

    @Test
    void constructor_unknownOptsBits_throwsNamingValue() {
        int spinRecurseAndUnknown = KMutex.MTX_SPIN | KMutex.MTX_RECURSE | 0x100;
        for (int opts : new int[] {0x2, 0x8, 0x10, spinRecurseAndUnknown, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KMutex("m", opts));
            assertTrue(e.getMessage().contains("0x" + Integer.toHexString(opts)),
                    () -> "message should name 0x" + Integer.toHexString(opts) + ": " + e.getMessage());
        }
    }

    @Test
    void constructor_nullName_throws() {
        assertThrows(IllegalArgumentException.class, () -> new KMutex(null));
    }

    @Test
    void constants_mtxOptions_haveFreeBsdValues() {
        assertEquals(0x0, KMutex.MTX_DEF);
        assertEquals(0x1, KMutex.MTX_SPIN);
        assertEquals(0x4, KMutex.MTX_RECURSE);
    }

    @Test
    void kind_defaultMutex_isSleepMutex() {
        assertEquals(CalloutLock.Kind.SLEEP_MUTEX, new KMutex("m").kind());
        assertEquals(CalloutLock.Kind.SLEEP_MUTEX, new KMutex("m", KMutex.MTX_RECURSE).kind());
    }

    @Test
    void kind_spinMutex_isSpinMutex() {
        assertEquals(CalloutLock.Kind.SPIN_MUTEX, new KMutex("m", KMutex.MTX_SPIN).kind());
        assertEquals(CalloutLock.Kind.SPIN_MUTEX, new KMutex("m", KMutex.MTX_SPIN | KMutex.MTX_RECURSE).kind());
    }

    @Test
    void name_always_returnsConstructorName() {
        assertEquals("foo", new KMutex("foo").name());
    }

    @Test
    void sharedMode_notSupported_locksExclusively() {
        KMutex m = new KMutex("m");
        assertFalse(m.supportsShared());
        m.lockShared();
        assertTrue(m.owned());
        assertFalse(m.ownedShared());
        m.unlockShared();
        assertFalse(m.owned());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* lock / unlock / owned                                                                     */

    @Test
    void lock_free_ownedByCaller() {
        KMutex m = new KMutex("m");
        assertFalse(m.owned());
        m.lock();
        assertTrue(m.owned());
        assertFalse(m.recursed());
        m.unlock();
        assertFalse(m.owned());
    }

    @Test
    void owned_heldByAnotherThread_isFalse() throws Exception {
        KMutex m = new KMutex("m");
        m.lock();
        try {
            AtomicBoolean ownedThere = new AtomicBoolean(true);
            runInThread(() -> ownedThere.set(m.owned()));
            assertFalse(ownedThere.get());
        } finally {
            m.unlock();
        }
    }

    @Test
    void lock_ownedNonRecursive_throwsAndChangesNothing() throws Exception {
        KMutex m = new KMutex("sc_mtx");
        m.lock();
        IllegalStateException e = assertThrows(IllegalStateException.class, m::lock);
        assertEquals("mtx_lock: recursing on non-recursive mutex sc_mtx", e.getMessage());
        assertTrue(m.owned());
        assertFalse(m.recursed());
        m.unlock();
        // One unlock freed it: the failed lock left no hold behind.
        assertFalse(m.owned());
        assertTrue(tryLockInThread(m));
    }

    @Test
    void lock_ownedSpinNonRecursive_throws() {
        KMutex m = new KMutex("spin", KMutex.MTX_SPIN);
        m.lock();
        assertThrows(IllegalStateException.class, m::lock);
        m.unlock();
        assertFalse(m.owned());
    }

    @Test
    void lock_ownedRecursive_recursesAndNeedsMatchingUnlocks() throws Exception {
        KMutex m = new KMutex("m", KMutex.MTX_RECURSE);
        m.lock();
        m.lock();
        assertTrue(m.recursed());
        m.lock();
        m.unlock();
        assertTrue(m.recursed());
        m.unlock();
        assertTrue(m.owned());
        assertFalse(m.recursed());
        assertFalse(tryLockInThread(m));
        m.unlock();
        assertFalse(m.owned());
        assertTrue(tryLockInThread(m));
    }

    @Test
    void recursed_notOwned_isFalse() {
        KMutex m = new KMutex("m", KMutex.MTX_RECURSE);
        assertFalse(m.recursed());
    }

    @Test
    void unlock_byNonOwner_throwsAndOwnerKeepsMutex() throws Exception {
        KMutex m = new KMutex("sc_mtx");
        m.lock();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = runInThread(() -> {
            try {
                m.unlock();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "intruder");
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        assertEquals("mtx_unlock: mutex sc_mtx not owned by " + t.getName(), thrown.get().getMessage());
        assertTrue(m.owned());
        m.unlock();
        assertFalse(m.owned());
    }

    @Test
    void unlock_unowned_throws() {
        KMutex m = new KMutex("m");
        IllegalStateException e = assertThrows(IllegalStateException.class, m::unlock);
        assertTrue(e.getMessage().startsWith("mtx_unlock: mutex m not owned by "), e.getMessage());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* tryLock                                                                                   */

    @Test
    void tryLock_free_acquires() {
        KMutex m = new KMutex("m");
        assertTrue(m.tryLock());
        assertTrue(m.owned());
        m.unlock();
    }

    @Test
    void tryLock_heldByAnotherThread_fails() throws Exception {
        KMutex m = new KMutex("m");
        m.lock();
        try {
            assertFalse(tryLockInThread(m));
        } finally {
            m.unlock();
        }
    }

    @Test
    void tryLock_ownedNonRecursive_failsWithoutRecursing() {
        KMutex m = new KMutex("m");
        m.lock();
        assertFalse(m.tryLock());
        assertFalse(m.recursed());
        m.unlock();
        assertFalse(m.owned());
    }

    @Test
    void tryLock_ownedRecursive_recurses() {
        KMutex m = new KMutex("m", KMutex.MTX_RECURSE);
        m.lock();
        assertTrue(m.tryLock());
        assertTrue(m.recursed());
        m.unlock();
        m.unlock();
        assertFalse(m.owned());
    }

    /* ---------------------------------------------------------------------------------------- */
    /* mtx_assert                                                                                */

    @Test
    void assertOwned_notOwned_throwsNamingMutex() {
        KMutex m = new KMutex("sc_mtx");
        IllegalStateException e = assertThrows(IllegalStateException.class, m::assertOwned);
        assertTrue(e.getMessage().contains("MA_OWNED") && e.getMessage().contains("sc_mtx"), e.getMessage());
        m.assertNotOwned();
    }

    @Test
    void assertNotOwned_owned_throwsNamingMutex() {
        KMutex m = new KMutex("sc_mtx");
        m.lock();
        try {
            m.assertOwned();
            IllegalStateException e = assertThrows(IllegalStateException.class, m::assertNotOwned);
            assertTrue(e.getMessage().contains("MA_NOTOWNED") && e.getMessage().contains("sc_mtx"),
                    e.getMessage());
        } finally {
            m.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Blocking                                                                                  */

    @Test
    void lock_heldByAnotherThread_blocksUntilUnlock() throws Exception {
        assertBlocksUntilUnlock(new KMutex("m"));
    }

    /** A spin mutex spins a bounded number of times, then parks like a sleep mutex. */
    @Test
    void lock_spinHeldByAnotherThread_parksAndBlocksUntilUnlock() throws Exception {
        assertBlocksUntilUnlock(new KMutex("m", KMutex.MTX_SPIN));
    }

    /** Kernel mutexes do not sleep interruptibly: the waiter keeps waiting and keeps its status. */
    @Test
    void lock_interruptedWhileWaiting_acquiresLaterWithInterruptStatus() throws Exception {
        KMutex m = new KMutex("m");
        AtomicBoolean interruptedAfterLock = new AtomicBoolean();
        CountDownLatch acquired = new CountDownLatch(1);
        m.lock();
        Thread t = new Thread(() -> {
            m.lock();
            interruptedAfterLock.set(Thread.currentThread().isInterrupted());
            acquired.countDown();
            m.unlock();
        }, "waiter");
        t.start();
        awaitQueued(m, t);
        t.interrupt();
        // The interrupt wakes the waiter, which goes back to waiting for the mutex.
        awaitQueued(m, t);
        assertEquals(1, acquired.getCount());
        m.unlock();
        assertTrue(acquired.await(GUARD_SECONDS, TimeUnit.SECONDS));
        t.join();
        assertTrue(interruptedAfterLock.get());
    }

    @Test
    void lock_contendedByManyThreads_excludesEachOther() throws Exception {
        for (int opts : new int[] {KMutex.MTX_DEF, KMutex.MTX_SPIN}) {
            KMutex m = new KMutex("m", opts);
            int threads = 4;
            int rounds = 10_000;
            long[] counter = {0};   // guarded by m; plain on purpose, so lost updates would show
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                ts[i] = new Thread(() -> {
                    try {
                        start.await(GUARD_SECONDS, TimeUnit.SECONDS);
                        for (int r = 0; r < rounds; r++) {
                            m.lock();
                            try {
                                counter[0]++;
                            } finally {
                                m.unlock();
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            assertNull(failure.get());
            m.lock();
            try {
                assertEquals((long) threads * rounds, counter[0], "opts=" + opts);
            } finally {
                m.unlock();
            }
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* toString                                                                                  */

    @Test
    void toString_unowned_namesMutexAndClass() {
        String s = new KMutex("sc_mtx", KMutex.MTX_SPIN).toString();
        assertTrue(s.contains("sc_mtx") && s.contains("SPIN_MUTEX") && s.contains("unowned"), s);
    }

    @Test
    void toString_owned_namesOwnerAndDepth() {
        KMutex m = new KMutex("sc_mtx", KMutex.MTX_RECURSE);
        m.lock();
        m.lock();
        try {
            String s = m.toString();
            assertTrue(s.contains("owner=" + Thread.currentThread().getName()) && s.contains("recurse=1"), s);
        } finally {
            m.unlock();
            m.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Helpers                                                                                   */

    private static void assertBlocksUntilUnlock(KMutex m) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch acquired = new CountDownLatch(1);
        AtomicBoolean ownedThere = new AtomicBoolean();
        m.lock();
        Thread t = new Thread(() -> {
            started.countDown();
            m.lock();
            ownedThere.set(m.owned());
            acquired.countDown();
            m.unlock();
        }, "waiter");
        t.start();
        assertTrue(started.await(GUARD_SECONDS, TimeUnit.SECONDS));
        awaitQueued(m, t);
        assertTrue(m.hasQueuedThreads());
        assertEquals(1, acquired.getCount(), "the waiter got the mutex while it was held");
        assertTrue(m.owned());
        m.unlock();
        assertTrue(acquired.await(GUARD_SECONDS, TimeUnit.SECONDS));
        t.join();
        assertTrue(ownedThere.get());
        assertFalse(m.hasQueuedThreads());
        assertFalse(m.isQueued(t));
    }

    /** owner() and blockingMutexOf(): what a test kit reads to tell a thread blocked for good. */
    @Test
    void owner_andBlockingMutexOf_describeAThreadParkedOnAHeldMutex() throws Exception {
        KMutex m = new KMutex("kit");
        assertNull(m.owner(), "free");
        assertNull(KMutex.blockingMutexOf(Thread.currentThread()), "not parked");
        m.lock();
        assertEquals(Thread.currentThread(), m.owner());
        CountDownLatch acquired = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            m.lock();
            acquired.countDown();
            m.unlock();
        }, "kit-waiter");
        t.start();
        awaitQueued(m, t);
        // Queued is not yet parked (JDK 25's AQS queues the node first): the blocker is set when it parks.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (KMutex.blockingMutexOf(t) == null && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
        assertEquals(m, KMutex.blockingMutexOf(t), "parked on m");
        assertEquals(Thread.currentThread(), m.owner(), "still ours");
        m.unlock();
        assertTrue(acquired.await(GUARD_SECONDS, TimeUnit.SECONDS));
        t.join();
        assertNull(m.owner(), "free again");
        assertNull(KMutex.blockingMutexOf(t), "a thread that ended waits for nothing");
        assertThrows(IllegalArgumentException.class, () -> KMutex.blockingMutexOf(null));
    }

    /** Spins until {@code t} is parked on {@code m}; fails if it dies first (or the guard expires). */
    private static void awaitQueued(KMutex m, Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!m.isQueued(t)) {
            if (!t.isAlive()) {
                fail("thread " + t.getName() + " ended without blocking on " + m);
            }
            if (System.nanoTime() - deadline > 0) {
                fail("thread " + t.getName() + " never blocked on " + m);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static boolean tryLockInThread(KMutex m) throws Exception {
        AtomicBoolean got = new AtomicBoolean();
        runInThread(() -> {
            if (m.tryLock()) {
                got.set(true);
                m.unlock();
            }
        });
        return got.get();
    }

    private static Thread runInThread(Runnable r) throws Exception {
        return runInThread(r, "helper");
    }

    /** Runs {@code r} on a new thread and joins it; rethrows what it threw. */
    private static Thread runInThread(Runnable r, String name) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, name);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("helper thread failed", failure.get());
        }
        return t;
    }
}
