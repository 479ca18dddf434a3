package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;

/** {@link CalloutLock#of(ReentrantLock)} and {@link CalloutLock#of(ReentrantReadWriteLock)}. */
final class LockAdaptersTest {

    /** Liveness guard for barrier waits: never reached when the code is right; not a timing assertion. */
    private static final long GUARD_SECONDS = 30;

    /* ---------------------------------------------------------------------------------------- */
    /* ReentrantLock                                                                             */

    @Test
    void mutexAdapter_class_isSleepMutexWithoutSharedMode() {
        CalloutLock l = CalloutLock.of(new ReentrantLock());
        assertEquals(CalloutLock.Kind.SLEEP_MUTEX, l.kind());
        assertFalse(l.supportsShared());
    }

    @Test
    void mutexAdapter_lockAndUnlock_trackOwnership() {
        ReentrantLock rl = new ReentrantLock();
        CalloutLock l = CalloutLock.of(rl);
        assertFalse(l.owned());
        l.lock();
        assertTrue(l.owned());
        assertTrue(rl.isHeldByCurrentThread());
        assertFalse(l.ownedShared());
        l.unlock();
        assertFalse(l.owned());
        assertFalse(rl.isLocked());
    }

    @Test
    void mutexAdapter_lockedDirectly_reportsOwned() {
        ReentrantLock rl = new ReentrantLock();
        CalloutLock l = CalloutLock.of(rl);
        rl.lock();
        try {
            assertTrue(l.owned());
        } finally {
            rl.unlock();
        }
    }

    @Test
    void mutexAdapter_heldByAnotherThread_notOwned() throws Exception {
        ReentrantLock rl = new ReentrantLock();
        CalloutLock l = CalloutLock.of(rl);
        l.lock();
        try {
            AtomicBoolean ownedThere = new AtomicBoolean(true);
            Thread t = new Thread(() -> ownedThere.set(l.owned()));
            t.start();
            t.join();
            assertFalse(ownedThere.get());
        } finally {
            l.unlock();
        }
    }

    @Test
    void mutexAdapter_lockShared_locksExclusively() {
        ReentrantLock rl = new ReentrantLock();
        CalloutLock l = CalloutLock.of(rl);
        l.lockShared();
        assertTrue(l.owned());
        assertFalse(l.ownedShared());
        l.unlockShared();
        assertFalse(rl.isLocked());
    }

    @Test
    void mutexAdapter_twoAdaptersOfOneLock_areEqual() {
        ReentrantLock rl = new ReentrantLock();
        assertEquals(CalloutLock.of(rl), CalloutLock.of(rl));
        assertEquals(CalloutLock.of(rl).hashCode(), CalloutLock.of(rl).hashCode());
        assertNotEquals(CalloutLock.of(rl), CalloutLock.of(new ReentrantLock()));
        assertTrue(CalloutLock.of(rl).name().startsWith("ReentrantLock@"));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* ReentrantReadWriteLock                                                                    */

    @Test
    void rwAdapter_class_isRwWithSharedMode() {
        CalloutLock l = CalloutLock.of(new ReentrantReadWriteLock());
        assertEquals(CalloutLock.Kind.RW, l.kind());
        assertTrue(l.supportsShared());
    }

    @Test
    void rwAdapter_lock_holdsWriteLock() {
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        CalloutLock l = CalloutLock.of(rw);
        l.lock();
        assertTrue(l.owned());
        assertFalse(l.ownedShared());
        assertTrue(rw.isWriteLockedByCurrentThread());
        l.unlock();
        assertFalse(l.owned());
        assertFalse(rw.isWriteLocked());
    }

    @Test
    void rwAdapter_lockShared_holdsReadLock() {
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        CalloutLock l = CalloutLock.of(rw);
        l.lockShared();
        assertTrue(l.ownedShared());
        assertFalse(l.owned());
        assertEquals(1, rw.getReadHoldCount());
        l.unlockShared();
        assertFalse(l.ownedShared());
        assertEquals(0, rw.getReadLockCount());
    }

    /** SPEC §11 case 32 at the lock level: shared mode really is shared. */
    @Test
    void rwAdapter_sharedMode_admitsTwoReadersAtOnce() throws Exception {
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        CalloutLock l = CalloutLock.of(rw);
        // Each reader passes the barrier only while holding the read lock, so both can pass only
        // if both hold it at the same time; an exclusive lock would break the barrier instead.
        CyclicBarrier bothInside = new CyclicBarrier(2);
        AtomicInteger readersSeen = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable reader = () -> {
            l.lockShared();
            try {
                bothInside.await(GUARD_SECONDS, TimeUnit.SECONDS);
                if (l.ownedShared() && rw.getReadLockCount() == 2) {
                    readersSeen.incrementAndGet();
                }
                bothInside.await(GUARD_SECONDS, TimeUnit.SECONDS);   // nobody leaves before both looked
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                l.unlockShared();
            }
        };
        Thread a = new Thread(reader, "reader-a");
        Thread b = new Thread(reader, "reader-b");
        a.start();
        b.start();
        a.join();
        b.join();
        assertNull(failure.get());
        assertEquals(2, readersSeen.get());
        assertEquals(0, rw.getReadLockCount());
    }

    @Test
    void rwAdapter_twoAdaptersOfOneLock_areEqual() {
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        assertEquals(CalloutLock.of(rw), CalloutLock.of(rw));
        assertEquals(CalloutLock.of(rw).hashCode(), CalloutLock.of(rw).hashCode());
        assertNotEquals(CalloutLock.of(rw), CalloutLock.of(new ReentrantReadWriteLock()));
        assertNotEquals(CalloutLock.of(rw), CalloutLock.of(new ReentrantLock()));
        assertTrue(CalloutLock.of(rw).name().startsWith("ReentrantReadWriteLock@"));
    }
}
