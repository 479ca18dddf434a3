package org.kcallout;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The JDK lock adapters behind {@link CalloutLock#of}. Misuse that the JDK answers with
 * {@link IllegalMonitorStateException} (releasing a lock the thread does not hold), or with a hang
 * (taking the write lock while holding the read lock: no upgrade), throws
 * {@link IllegalStateException} naming the C function, as everywhere in kcallout.
 */
final class LockAdapters {
    private LockAdapters() {
    }

    /** A {@link ReentrantLock} as a sleep mutex. */
    static final class Mutex implements CalloutLock {
        private final ReentrantLock lock;

        Mutex(ReentrantLock lock) {
            this.lock = Objects.requireNonNull(lock, "lock");
        }

        @Override
        public void lock() {
            lock.lock();
        }

        @Override
        public void unlock() {
            if (!lock.isHeldByCurrentThread()) {
                throw new IllegalStateException("mtx_unlock: " + name() + " is not held by " + Thread.currentThread().getName());
            }
            lock.unlock();
        }

        @Override
        public boolean owned() {
            return lock.isHeldByCurrentThread();
        }

        @Override
        public String name() {
            return "ReentrantLock@" + Integer.toHexString(System.identityHashCode(lock));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Mutex && ((Mutex) o).lock == lock;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(lock);
        }
    }

    /** A {@link ReentrantReadWriteLock} as an rwlock. */
    static final class ReadWrite implements CalloutLock {
        private final ReentrantReadWriteLock lock;

        ReadWrite(ReentrantReadWriteLock lock) {
            this.lock = Objects.requireNonNull(lock, "lock");
        }

        @Override
        public void lock() {
            if (!lock.isWriteLockedByCurrentThread() && lock.getReadHoldCount() > 0) {
                throw new IllegalStateException("rw_wlock: " + name() + " is held shared by "
                        + Thread.currentThread().getName() + ", which would wait for itself forever (no upgrade)");
            }
            lock.writeLock().lock();
        }

        @Override
        public void unlock() {
            if (!lock.isWriteLockedByCurrentThread()) {
                throw new IllegalStateException("rw_wunlock: " + name() + " is not write-locked by "
                        + Thread.currentThread().getName());
            }
            lock.writeLock().unlock();
        }

        @Override
        public void lockShared() {
            lock.readLock().lock();
        }

        @Override
        public void unlockShared() {
            if (lock.getReadHoldCount() == 0) {
                throw new IllegalStateException("rw_runlock: " + name() + " is not read-locked by "
                        + Thread.currentThread().getName());
            }
            lock.readLock().unlock();
        }

        @Override
        public boolean owned() {
            return lock.isWriteLockedByCurrentThread();
        }

        @Override
        public boolean ownedShared() {
            return lock.getReadHoldCount() > 0;
        }

        @Override
        public boolean supportsShared() {
            return true;
        }

        @Override
        public Kind kind() {
            return Kind.RW;
        }

        @Override
        public String name() {
            return "ReentrantReadWriteLock@" + Integer.toHexString(System.identityHashCode(lock));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ReadWrite && ((ReadWrite) o).lock == lock;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(lock);
        }
    }
}
