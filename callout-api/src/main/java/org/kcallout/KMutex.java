package org.kcallout;

import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;

/**
 * A kernel-style mutex: FreeBSD's {@code struct mtx} ({@code mutex(9)}), usable as the lock of a
 * callout ({@code callout_init_mtx(c, &m, flags)}).
 *
 * <p>Unlike {@link java.util.concurrent.locks.ReentrantLock}, a {@code KMutex} behaves as a kernel
 * mutex does under {@code INVARIANTS}: it is not recursive unless created with {@link #MTX_RECURSE},
 * so locking it twice from one thread is a bug reported with {@link IllegalStateException} rather
 * than a silent recursion; unlocking it from a thread that does not own it is reported the same
 * way; and {@link #assertOwned()} / {@link #assertNotOwned()} are {@code mtx_assert}. A rejected
 * call changes nothing. Acquisition cannot be interrupted (kernel mutexes do not sleep
 * interruptibly); a thread interrupted while waiting keeps its interrupt status.
 *
 * <pre>{@code
 * // struct softc { struct mtx sc_mtx; struct callout sc_callout; };
 * final class Softc {
 *     final KMutex mtx = new KMutex("foo");      // mtx_init(&sc->sc_mtx, "foo", NULL, MTX_DEF);
 *     final Callout callout = new Callout();
 * }
 * callout_init_mtx(sc.callout, sc.mtx, 0);       // callout_init_mtx(&sc->sc_callout, &sc->sc_mtx, 0);
 * sc.mtx.lock();                                 // mtx_lock(&sc->sc_mtx);
 * try {
 *     callout_stop(sc.callout);                  // exact: the handler will not run after this
 * } finally {
 *     sc.mtx.unlock();                           // mtx_unlock(&sc->sc_mtx);
 * }
 * }</pre>
 *
 * <p><b>Spin mutexes.</b> {@link #MTX_SPIN} creates a mutex of the spin class
 * ({@link CalloutLock.Kind#SPIN_MUTEX}). A JVM cannot disable preemption or interrupts, so a spin
 * mutex here does not give the guarantees of {@code mtx_lock_spin}: it spins (with
 * {@link Thread#onSpinWait()}) for a bounded number of attempts and then parks like a sleep mutex.
 * Its only observable difference from a sleep mutex is its {@link #kind()}, which the callout code
 * checks: the MODERN profile accepts spin mutexes (FreeBSD main needs them for locked
 * {@code C_DIRECT_EXEC} callouts), the CLASSIC profile rejects them.
 *
 * <p>All methods are thread-safe. {@link #toString()} and {@link #hasQueuedThreads()} are
 * snapshots that may be stale by the time they return.
 */
public final class KMutex implements CalloutLock {
    /* Implementation notes: ports the observable contract of kern_mutex.c (mtx_init options,
     * mtx_lock / mtx_unlock / mtx_trylock / mtx_owned / mtx_recursed / mtx_assert), not its
     * implementation (turnstiles, adaptive spinning on a running owner).
     *
     * State, held in the AQS int (volatile, CAS):
     *   0      unowned
     *   n > 0  owned; n - 1 is the recursion depth (FreeBSD's mtx_recurse)
     * Legal transitions:
     *   0 -> 1       acquire: CAS by any thread, which then records itself as owner
     *   n -> n + 1   recursion: plain write by the owner, MTX_RECURSE only
     *   n -> n - 1   release of a recursion: plain write by the owner (n > 1)
     *   1 -> 0       final release: the owner clears the owner field, then writes the state
     *                (the volatile write publishes the cleared owner to the next acquirer)
     * The owner field is AbstractOwnableSynchronizer's plain field. It is written only by the
     * thread that holds the mutex, so a thread comparing it with itself always reads a value it
     * wrote itself or a stale value of another thread, never its own identity by mistake: owned()
     * is exact for the calling thread, as ReentrantLock.isHeldByCurrentThread is. Other threads
     * reading it (toString) may see a stale owner; that is documented as a snapshot.
     *
     * Checks that FreeBSD makes with KASSERT under INVARIANTS (recursion on a non-recursive
     * mutex, unlock by a non-owner) are always on here, and run before any state changes, so a
     * rejected call changes nothing. */

    /** {@code MTX_DEF}: a default (sleep) mutex. */
    public static final int MTX_DEF = 0x0;
    /** {@code MTX_SPIN}: a spin mutex (see the class comment for what "spin" means on a JVM). */
    public static final int MTX_SPIN = 0x1;
    /** {@code MTX_RECURSE}: the owner may lock the mutex again; each lock needs its own unlock. */
    public static final int MTX_RECURSE = 0x4;

    /** Every option bit the constructor accepts. */
    private static final int VALID_OPTS = MTX_SPIN | MTX_RECURSE;

    /**
     * Attempts a spin mutex makes with {@link Thread#onSpinWait()} before it parks. Enough to ride
     * out a short critical section on another core, small enough that an owner descheduled by the
     * OS costs little CPU.
     */
    private static final int SPIN_TRIES = 256;

    private final String name;
    private final int opts;
    private final Sync sync = new Sync(this);

    /**
     * {@code mtx_init(m, name, NULL, MTX_DEF)}: a non-recursive sleep mutex.
     *
     * @param name the name used in messages ({@code lo_name})
     * @throws IllegalArgumentException if {@code name} is null
     */
    public KMutex(String name) {
        this(name, MTX_DEF);
    }

    /**
     * {@code mtx_init(m, name, NULL, opts)}.
     *
     * @param name the name used in messages ({@code lo_name})
     * @param opts {@link #MTX_DEF} or {@link #MTX_SPIN}, optionally or-ed with {@link #MTX_RECURSE}
     * @throws IllegalArgumentException if {@code name} is null or {@code opts} has other bits
     */
    public KMutex(String name, int opts) {
        if (name == null) {
            throw new IllegalArgumentException("mtx_init: name must not be null");
        }
        if ((opts & ~VALID_OPTS) != 0) {
            throw new IllegalArgumentException("mtx_init: unknown option bits 0x"
                    + Integer.toHexString(opts & ~VALID_OPTS) + " in opts 0x" + Integer.toHexString(opts)
                    + " for mutex " + name + " (allowed: MTX_DEF, MTX_SPIN, MTX_RECURSE)");
        }
        this.name = name;
        this.opts = opts;
    }

    /**
     * {@code mtx_lock(m)} ({@code mtx_lock_spin(m)} for a spin mutex): acquires the mutex, waiting
     * as long as it takes. The owner of a {@link #MTX_RECURSE} mutex may lock it again.
     *
     * @throws IllegalStateException if the calling thread already owns this non-recursive mutex
     *                               ("recursing on non-recursive mutex"); nothing changes
     */
    @Override
    public void lock() {
        if (sync.isHeldExclusively()) {
            recurse("mtx_lock");
            return;
        }
        if ((opts & MTX_SPIN) != 0) {
            for (int i = 0; i < SPIN_TRIES; i++) {
                if (sync.tryAcquireFree()) {
                    return;
                }
                Thread.onSpinWait();
            }
        }
        sync.acquire(1);
    }

    /**
     * {@code mtx_trylock(m)} ({@code mtx_trylock_spin(m)}): acquires the mutex if it is free, without
     * waiting. As in FreeBSD, the owner of a {@link #MTX_RECURSE} mutex succeeds (the mutex recurses),
     * and the owner of a non-recursive one simply fails.
     *
     * @return true if the calling thread now holds the mutex (once more)
     */
    public boolean tryLock() {
        if (sync.isHeldExclusively()) {
            if ((opts & MTX_RECURSE) == 0) {
                return false;
            }
            recurse("mtx_trylock");
            return true;
        }
        return sync.tryAcquireFree();
    }

    /**
     * {@code mtx_unlock(m)} ({@code mtx_unlock_spin(m)}): releases one hold. The mutex becomes free
     * when every recursive {@link #lock()} has been matched by an unlock.
     *
     * @throws IllegalStateException if the calling thread does not own the mutex; nothing changes
     */
    @Override
    public void unlock() {
        if (!sync.isHeldExclusively()) {
            throw new IllegalStateException("mtx_unlock: mutex " + name + " not owned by "
                    + Thread.currentThread().getName());
        }
        sync.release(1);
    }

    /**
     * {@code mtx_owned(m)}: whether the calling thread holds the mutex.
     *
     * @return true if the calling thread is the owner
     */
    @Override
    public boolean owned() {
        return sync.isHeldExclusively();
    }

    /**
     * {@code mtx_recursed(m)}: whether the calling thread holds the mutex more than once. FreeBSD
     * requires the caller to own the mutex; here a thread that does not own it gets false.
     *
     * @return true if the calling thread owns the mutex and has locked it recursively
     */
    public boolean recursed() {
        return sync.isHeldExclusively() && sync.holds() > 1;
    }

    /**
     * {@code mtx_assert(m, MA_OWNED)}: checks that the calling thread holds the mutex.
     *
     * @throws IllegalStateException naming the mutex and the thread if it does not
     */
    public void assertOwned() {
        if (!sync.isHeldExclusively()) {
            throw new IllegalStateException("mtx_assert(MA_OWNED): mutex " + name + " not owned by "
                    + Thread.currentThread().getName());
        }
    }

    /**
     * {@code mtx_assert(m, MA_NOTOWNED)}: checks that the calling thread does not hold the mutex.
     *
     * @throws IllegalStateException naming the mutex and the thread if it does
     */
    public void assertNotOwned() {
        if (sync.isHeldExclusively()) {
            throw new IllegalStateException("mtx_assert(MA_NOTOWNED): mutex " + name + " owned by "
                    + Thread.currentThread().getName());
        }
    }

    /**
     * The name given at creation ({@code m->lock_object.lo_name}).
     *
     * @return the name
     */
    @Override
    public String name() {
        return name;
    }

    /**
     * The lock class ({@code LOCK_CLASS(&m->lock_object)}: {@code lock_class_mtx_spin} or
     * {@code lock_class_mtx_sleep}).
     *
     * @return {@link CalloutLock.Kind#SPIN_MUTEX} for {@link #MTX_SPIN}, else
     *         {@link CalloutLock.Kind#SLEEP_MUTEX}
     */
    @Override
    public Kind kind() {
        return (opts & MTX_SPIN) != 0 ? Kind.SPIN_MUTEX : Kind.SLEEP_MUTEX;
    }

    /**
     * Whether any thread is waiting to acquire the mutex (roughly FreeBSD's {@code MTX_CONTESTED}
     * bit). A snapshot: the answer may change as soon as it is returned. A spinning acquirer of a
     * spin mutex is not counted until it parks.
     *
     * @return true if threads may be queued
     */
    public boolean hasQueuedThreads() {
        return sync.hasQueuedThreads();
    }

    /**
     * Whether {@code thread} is parked waiting for this mutex; no C equivalent. Meant for tests that
     * must know a thread is blocked here before they go on (poll it, then release the mutex).
     *
     * @param thread the thread
     * @return true if {@code thread} is queued on this mutex
     * @throws IllegalArgumentException if {@code thread} is null
     */
    public boolean isQueued(Thread thread) {
        if (thread == null) {
            throw new IllegalArgumentException("isQueued: thread must not be null (mutex " + name + ")");
        }
        return sync.isQueued(thread);
    }

    /**
     * The thread that holds the mutex, or null if it is free: the kernel's {@code mtx_owner}, which
     * no driver should call. A snapshot, meant for test kits that must tell whether a thread parked
     * on this mutex can be woken only by another thread (see {@link #blockingMutexOf(Thread)}).
     *
     * @return the owner, or null
     */
    public Thread owner() {
        return sync.holds() == 0 ? null : sync.owner();
    }

    /**
     * The mutex {@code thread} is parked waiting for, or null if it is parked on something else or
     * not parked; no C equivalent. A snapshot, for test kits that decide whether every thread of a
     * simulated kernel is blocked (a thread queued here stays blocked while {@link #owner()} is
     * another thread).
     *
     * @param thread the thread
     * @return the mutex, or null
     * @throws IllegalArgumentException if {@code thread} is null
     */
    public static KMutex blockingMutexOf(Thread thread) {
        if (thread == null) {
            throw new IllegalArgumentException("blockingMutexOf: thread must not be null");
        }
        Object blocker = LockSupport.getBlocker(thread);
        return blocker instanceof Sync ? ((Sync) blocker).mutex : null;
    }

    /**
     * A description for debugging: name, class, options and a snapshot of the owner and recursion
     * depth.
     *
     * @return for example {@code KMutex[foo, SLEEP_MUTEX, owner=main, recurse=0]}
     */
    @Override
    public String toString() {
        // Benign race: holds and owner are read separately and without the mutex, so the pair may
        // be inconsistent if another thread locks or unlocks meanwhile. Only for messages.
        int holds = sync.holds();
        Thread owner = sync.owner();
        StringBuilder sb = new StringBuilder(64).append("KMutex[").append(name).append(", ").append(kind());
        if ((opts & MTX_RECURSE) != 0) {
            sb.append(", MTX_RECURSE");
        }
        if (holds == 0 || owner == null) {
            sb.append(", unowned");
        } else {
            sb.append(", owner=").append(owner.getName()).append(", recurse=").append(holds - 1);
        }
        return sb.append(']').toString();
    }

    /** Recursion by the owner: allowed with {@link #MTX_RECURSE}, else rejected. */
    private void recurse(String fn) {
        if ((opts & MTX_RECURSE) == 0) {
            throw new IllegalStateException(fn + ": recursing on non-recursive mutex " + name);
        }
        if (sync.holds() == Integer.MAX_VALUE) {
            throw new IllegalStateException(fn + ": recursion depth overflow on mutex " + name);
        }
        sync.recurse();
    }

    /** The synchronizer: state is the hold count (see the implementation notes). */
    private static final class Sync extends AbstractQueuedSynchronizer {
        private static final long serialVersionUID = 1L;

        /** The mutex this synchronizer implements: what a thread parked here waits for. */
        final transient KMutex mutex;

        Sync(KMutex mutex) {
            this.mutex = mutex;
        }

        /** Takes a free mutex for the calling thread; never recurses, never waits. */
        boolean tryAcquireFree() {
            if (getState() == 0 && compareAndSetState(0, 1)) {
                setExclusiveOwnerThread(Thread.currentThread());
                return true;
            }
            return false;
        }

        /** The owner locks once more; the caller checked ownership, MTX_RECURSE and overflow. */
        void recurse() {
            setState(getState() + 1);
        }

        int holds() {
            return getState();
        }

        Thread owner() {
            return getExclusiveOwnerThread();
        }

        /** Called by {@link #acquire}: only ever for a thread that does not own the mutex. */
        @Override
        protected boolean tryAcquire(int ignored) {
            return tryAcquireFree();
        }

        /** Called by {@link #release}: only ever by the owner (checked by {@code unlock}). */
        @Override
        protected boolean tryRelease(int ignored) {
            assert getExclusiveOwnerThread() == Thread.currentThread() : "tryRelease by a non-owner";
            int next = getState() - 1;
            boolean free = next == 0;
            if (free) {
                setExclusiveOwnerThread(null);
            }
            setState(next);
            return free;
        }

        @Override
        protected boolean isHeldExclusively() {
            return getExclusiveOwnerThread() == Thread.currentThread();
        }
    }
}
