package org.kcallout.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.legacy.LegacyRig.Helper;
import org.kcallout.wheel.CalloutWheel;

/**
 * Concurrent {@code timeout}/{@code untimeout} from several threads, racing the softclock dispatch,
 * with exact accounting: every timeout either ran exactly once or was cancelled by exactly one
 * {@code untimeout} that returned true, and every entry is back in the pool at the end. Workers
 * sometimes hold Giant around {@code untimeout}, which exercises the cancellation of invocations
 * already waiting for Giant, and they meet a full pool now and then (they retry). Seeds are fixed
 * and printed on failure.
 */
final class TimeoutConcurrencyTest {
    /* Implementation notes: each timeout's argument is a Token of its own, so a stale handle can
     * never match a reused entry and each untimeout's result is attributable to one timeout. The
     * shared-argument test drops that property on purpose: there the recycling caveat is live, and
     * only the totals can be checked. */

    private static final int THREADS = 4;
    private static final int PER_THREAD = 3000;
    private static final int WINDOW = 64;
    private static final int NCALLOUT = 256;

    /** The argument of one timeout. */
    static final class Token {
        final Ledger ledger;
        final int id;

        Token(Ledger ledger, int id) {
            this.ledger = ledger;
            this.id = id;
        }
    }

    /** Per-run bookkeeping, shared by the handler, the workers and the checks. */
    static final class Ledger {
        final AtomicIntegerArray fired = new AtomicIntegerArray(THREADS * PER_THREAD);
        final AtomicIntegerArray cancelled = new AtomicIntegerArray(THREADS * PER_THREAD);
        final AtomicInteger withoutGiant = new AtomicInteger();
        final AtomicInteger tableFull = new AtomicInteger();
        final Semaphore fires = new Semaphore(0);
        final CalloutSystem sys;

        Ledger(CalloutSystem sys) {
            this.sys = sys;
        }
    }

    private static final CalloutFunc<Token> FIRE = t -> {
        Ledger l = t.ledger;
        l.fired.incrementAndGet(t.id);
        if (!l.sys.giant().owned()) {
            l.withoutGiant.incrementAndGet();
        }
        l.fires.release();
    };

    /** timeout(), retried while the pool is full: the softclock side frees entries meanwhile. */
    private static CalloutHandle timeoutRetrying(TimeoutPool pool, Token t, int ticks) {
        for (;;) {
            try {
                return pool.timeout(FIRE, t, ticks);
            } catch (IllegalStateException full) {
                t.ledger.tableFull.incrementAndGet();
                Thread.yield(); // let the softclock side run: it frees entries
            }
        }
    }

    /**
     * One worker: arms timeouts of 1 to 4 ticks and keeps the last {@link #WINDOW} handles. Now and
     * then it cancels a random one of them (which may have fired, or been cancelled already). Now and
     * then it takes Giant, waits a little (bounded spin) for the dispatcher to block on it, and
     * cancels every handle it keeps: when the blocked invocation is one of them, that is the
     * lock-wait cancellation of SPEC §5.2, whose entry must come back only after the skip.
     */
    private static void work(TimeoutPool pool, Ledger l, int worker, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        CalloutHandle[] handles = new CalloutHandle[WINDOW];
        Token[] tokens = new Token[WINDOW];
        KMutex giant = (KMutex) l.sys.giant();
        for (int i = 0; i < PER_THREAD; i++) {
            Token t = new Token(l, worker * PER_THREAD + i);
            int slot = i % WINDOW;
            handles[slot] = timeoutRetrying(pool, t, 1 + rnd.nextInt(4));
            tokens[slot] = t;
            int dice = rnd.nextInt(32);
            if (dice < 10) {
                untimeoutCounted(pool, tokens, handles, rnd.nextInt(WINDOW));
            } else if (dice == 10) {
                giant.lock();
                try {
                    for (int spin = 0; spin < 100_000 && !giant.hasQueuedThreads(); spin++) {
                        Thread.onSpinWait();
                    }
                    for (int v = 0; v < WINDOW; v++) {
                        untimeoutCounted(pool, tokens, handles, v);
                    }
                } finally {
                    giant.unlock();
                }
            }
        }
    }

    private static void untimeoutCounted(TimeoutPool pool, Token[] tokens, CalloutHandle[] handles, int victim) {
        Token t = tokens[victim];
        if (t != null && pool.untimeout(FIRE, t, handles[victim])) {
            t.ledger.cancelled.incrementAndGet(t.id);
        }
    }

    /** Runs the workers against {@code pool}, released together, and joins them. */
    private static void runWorkers(TimeoutPool pool, Ledger l, long seed) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS + 1);
        List<Helper> workers = new ArrayList<>();
        for (int w = 0; w < THREADS; w++) {
            int worker = w;
            workers.add(LegacyRig.helper("worker-" + w, () -> {
                start.await(LegacyRig.SAFETY.toMillis(), TimeUnit.MILLISECONDS);
                work(pool, l, worker, seed * 31 + worker);
            }));
        }
        start.await(LegacyRig.SAFETY.toMillis(), TimeUnit.MILLISECONDS);
        for (Helper w : workers) {
            w.joinChecked();
        }
    }

    /** Every timeout ran exactly once or was cancelled exactly once, never both, never neither. */
    private static void checkLedger(Ledger l, long seed) {
        for (int id = 0; id < THREADS * PER_THREAD; id++) {
            int f = l.fired.get(id);
            int c = l.cancelled.get(id);
            assertEquals(1, f + c, "seed " + seed + ": timeout " + id + " fired=" + f + " cancelled=" + c);
        }
        assertEquals(0, l.withoutGiant.get(), "seed " + seed + ": handlers ran without Giant");
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void concurrentTimeoutUntimeout_virtualClockAdvancedMeanwhile_exactAccounting(Profile profile) throws Exception {
        long seed = 0x5eed0001L + profile.ordinal();
        try (LegacyRig rig = new LegacyRig(profile, NCALLOUT, false)) {
            Ledger l = new Ledger(rig.sys);
            AtomicBoolean done = new AtomicBoolean();
            Helper advancer = LegacyRig.helper("advancer", () -> {
                while (!done.get()) {
                    rig.vt.advanceTicks(1); // dispatches on this thread, racing the workers
                }
            });
            try {
                runWorkers(rig.pool, l, seed);
            } finally {
                done.set(true);
                advancer.joinChecked();
            }
            rig.vt.advanceTicks(10); // everything still pending runs now

            checkLedger(l, seed);
            assertEquals(NCALLOUT, rig.pool.available(), "seed " + seed + ": entries lost");
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void concurrentTimeoutUntimeout_sharedFuncAndArg_totalsBalance(Profile profile) throws Exception {
        long seed = 0x5eed0002L + profile.ordinal();
        AtomicInteger cancels = new AtomicInteger();
        try (LegacyRig rig = new LegacyRig(profile, NCALLOUT, false)) {
            Ledger l = new Ledger(rig.sys);
            Token shared = new Token(l, 0);
            AtomicBoolean done = new AtomicBoolean();
            Helper advancer = LegacyRig.helper("advancer", () -> {
                while (!done.get()) {
                    rig.vt.advanceTicks(1);
                }
            });
            List<Helper> workers = new ArrayList<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            try {
                for (int w = 0; w < THREADS; w++) {
                    long s = seed * 31 + w;
                    workers.add(LegacyRig.helper("worker-" + w, () -> {
                        SplittableRandom rnd = new SplittableRandom(s);
                        CalloutHandle[] handles = new CalloutHandle[WINDOW];
                        start.await(LegacyRig.SAFETY.toMillis(), TimeUnit.MILLISECONDS);
                        for (int i = 0; i < PER_THREAD; i++) {
                            handles[i % WINDOW] = timeoutRetrying(rig.pool, shared, 1 + rnd.nextInt(4));
                            CalloutHandle h = handles[rnd.nextInt(WINDOW)];
                            if (h != null && rnd.nextInt(3) == 0 && rig.pool.untimeout(FIRE, shared, h)) {
                                cancels.incrementAndGet();
                            }
                        }
                    }));
                }
                for (Helper w : workers) {
                    w.joinChecked();
                }
            } finally {
                done.set(true);
                advancer.joinChecked();
            }
            rig.vt.advanceTicks(10);

            // A stale handle may cancel someone else's timeout (the caveat), but every cancel
            // that returned true removed exactly one invocation, so the totals must balance.
            assertEquals(THREADS * PER_THREAD, l.fired.get(0) + cancels.get(), "seed " + seed);
            assertEquals(NCALLOUT, rig.pool.available(), "seed " + seed + ": entries lost");
            assertEquals(0, l.withoutGiant.get());
        }
    }

    @Test
    void concurrentTimeoutUntimeout_realTimeSystem_exactAccounting() throws Exception {
        long seed = 0x5eed0003L;
        CalloutWheel sys = CalloutWheel.builder().build();
        Ledger l = new Ledger(sys);
        TimeoutPool pool;
        try {
            pool = TimeoutPool.create(sys, NCALLOUT);
            runWorkers(pool, l, seed);
            int expected = THREADS * PER_THREAD;
            for (int id = 0; id < THREADS * PER_THREAD; id++) {
                expected -= l.cancelled.get(id);
            }
            assertTrue(l.fires.tryAcquire(expected, LegacyRig.SAFETY.toMillis(), TimeUnit.MILLISECONDS),
                    "seed " + seed + ": not every uncancelled timeout ran");
        } finally {
            sys.close(); // joins the softclock thread: every completion, hence every return, is done
        }
        checkLedger(l, seed);
        assertEquals(NCALLOUT, pool.available(), "seed " + seed + ": entries lost");
    }
}
