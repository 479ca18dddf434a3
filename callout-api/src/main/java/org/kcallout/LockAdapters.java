package org.kcallout;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/** The JDK lock adapters behind {@link CalloutLock#of}. */
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
            lock.writeLock().lock();
        }

        @Override
        public void unlock() {
            lock.writeLock().unlock();
        }

        @Override
        public void lockShared() {
            lock.readLock().lock();
        }

        @Override
        public void unlockShared() {
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
