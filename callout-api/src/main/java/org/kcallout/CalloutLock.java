package org.kcallout;

import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A lock that a callout can be associated with: FreeBSD's {@code struct lock_object} with its lock
 * class ({@code lc_lock}, {@code lc_unlock}, {@code lc_owned}).
 *
 * <p>The softclock dispatcher takes the lock before calling the handler and releases it afterwards
 * (unless {@link CalloutFlags#CALLOUT_RETURNUNLOCKED}); {@code callout_stop} and {@code callout_reset}
 * must be called with it held, and then cancellation is exact (SPEC §5.2). Use {@link KMutex} for a
 * kernel-style mutex, or adapt a JDK lock with {@link #of(ReentrantLock)} or
 * {@link #of(ReentrantReadWriteLock)} (adapt once, at init time, and keep the adapter).
 */
public interface CalloutLock {
    /** Lock classes, as far as the callout code cares. */
    enum Kind {
        /** A sleep mutex ({@code MTX_DEF}): the common case. */
        SLEEP_MUTEX,
        /** A spin mutex ({@code MTX_SPIN}): accepted by the MODERN profile only. */
        SPIN_MUTEX,
        /** A reader/writer lock ({@code rwlock}, {@code rmlock}). */
        RW,
        /** A lock a holder may sleep under ({@code sx}, {@code lockmgr}): never accepted. */
        SLEEPABLE
    }

    /** Acquires the lock exclusively ({@code lc_lock(lock, 0)}). */
    void lock();

    /** Releases an exclusive hold ({@code lc_unlock}). */
    void unlock();

    /** Acquires the lock in shared mode; a lock without a shared mode locks exclusively. */
    default void lockShared() {
        lock();
    }

    /** Releases a shared hold; a lock without a shared mode unlocks exclusively. */
    default void unlockShared() {
        unlock();
    }

    /**
     * True if the calling thread holds the lock exclusively ({@code mtx_owned}, {@code rw_wowned}).
     *
     * @return whether the calling thread holds it exclusively
     */
    boolean owned();

    /**
     * True if the calling thread holds the lock in shared mode; false for locks without one.
     *
     * @return whether the calling thread holds it in shared mode
     */
    default boolean ownedShared() {
        return false;
    }

    /**
     * True if {@link #lockShared()} really takes a shared hold.
     *
     * @return whether the lock has a shared mode
     */
    default boolean supportsShared() {
        return false;
    }

    /**
     * The lock class.
     *
     * @return the lock class
     */
    default Kind kind() {
        return Kind.SLEEP_MUTEX;
    }

    /**
     * A name for messages.
     *
     * @return a name for messages
     */
    default String name() {
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this));
    }

    /**
     * Adapts a {@link ReentrantLock} as a sleep mutex. Each call creates an adapter: do it once.
     *
     * @param lock the lock
     * @return the adapter
     * @throws IllegalArgumentException if {@code lock} is null
     */
    static CalloutLock of(ReentrantLock lock) {
        if (lock == null) {
            throw new IllegalArgumentException("CalloutLock.of: lock must not be null");
        }
        return new LockAdapters.Mutex(lock);
    }

    /**
     * Adapts a {@link ReentrantReadWriteLock} as an rwlock: exclusive mode is the write lock,
     * shared mode the read lock. Each call creates an adapter: do it once.
     *
     * @param lock the lock
     * @return the adapter
     * @throws IllegalArgumentException if {@code lock} is null
     */
    static CalloutLock of(ReentrantReadWriteLock lock) {
        if (lock == null) {
            throw new IllegalArgumentException("CalloutLock.of: lock must not be null");
        }
        return new LockAdapters.ReadWrite(lock);
    }
}
