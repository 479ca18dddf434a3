package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.fail;
import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;
import org.kcallout.Profile;
import org.kcallout.Sbt;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.testing.CalloutObserver;

/**
 * A soak test on the real-time clock ({@link RealTimeTicklessClock}, one softclock thread per CPU):
 * {@value #WORKERS} threads do random reset, reset_on (random CPU), reset_sbt_on, reset_curcpu,
 * schedule, stop and drain on a shared pool of lock-associated callouts (each with its own
 * {@link KMutex}) and of MP-safe callouts (some of them direct), over {@value #NCPUS} callout CPUs,
 * for a bounded run length, and ends with exact accounting of every arm.
 *
 * <p>Run length: {@value #DEFAULT_SECONDS} s per profile by default; {@code -Dkcallout.soak.seconds=N}
 * runs longer (the length is a run length, never an assertion). {@code -Dkcallout.soak.seed=S}
 * fixes the workers' random choices (the interleavings still vary). The figures are printed at the
 * end of each run.
 *
 * <h2>The model, lock-associated callouts (exact)</h2>
 * Resets, schedules and stops are made under the callout's mutex {@code m}; the handler runs under
 * {@code m} too (and may re-arm or stop its own callout); drains are made without {@code m} but are
 * registered under it before and after. Every arm gets a generation and an arm record, which is also
 * the handler's argument, so an invocation names its arm (a schedule re-arms with the stored
 * argument, SPEC §4.6, so its invocation is matched to it by callout instead). Under
 * {@code m} the engine can hold at most one live arm of a callout (pending on a wheel, recorded as a
 * deferred migration, or dequeued and waiting for {@code m} with {@code cc_cancel} still false),
 * because every reset cancels the previous one. The model keeps the candidates for that live arm:
 * <ul>
 *   <li>EMPTY: nothing is live; ALIVE(a): exactly {@code a} is live; MAYBE(set): at most one of the set is
 *       live (this happens only when a drain races with a reset: a reset is refused while a drainer
 *       waits (SPEC §4.4 5b), and a drain may remove the live arm at a moment the model cannot see).</li>
 *   <li>reset with no drain in flight: returns exactly 1 if ALIVE, 0 if EMPTY; afterwards ALIVE(new).
 *       With a drain in flight: 0 if EMPTY, otherwise 0 or 1; afterwards MAYBE.</li>
 *   <li>stop: the live arm, if any, is cancelled whatever the result: MODERN returns 0 when the
 *       handler is running and still removes a pending re-arm or discards a recorded migration (SPEC
 *       §4.7). So MODERN: ALIVE → 0 or 1, EMPTY → 0 or -1, from inside the handler → 0 (§5.4);
 *       CLASSIC: ALIVE → 1, EMPTY → 0. Afterwards EMPTY, and the callout is not pending.</li>
 *   <li>an invocation must be one of the candidates (else: an invocation of a cancelled, superseded
 *       or already invoked arm); afterwards EMPTY. A reset from inside the handler returns 0 (§5.4),
 *       and to another CPU it is a deferred migration: pending, on no list, still on the old CPU.</li>
 *   <li>a drain during which nothing else happened to the callout (no arm, stop or other drain; the
 *       handler may fire) is exact: from EMPTY it returns MODERN -1 / CLASSIC 0; a result of 1 means
 *       the live arm was removed and did not run; from ALIVE(a), MODERN -1 (when {@code a} was not a
 *       recorded migration at the start) and CLASSIC 0 mean that {@code a} ran. Afterwards EMPTY, not
 *       pending.</li>
 * </ul>
 *
 * <h2>The model, MP-safe callouts (the weaker checks of SPEC §5.1)</h2>
 * Their handlers run concurrently with everything and only count invocations, so the model is kept
 * per arm: an arm is certainly armed when its reset ran with no drain in flight; a later operation's
 * result then settles its fate where SPEC allows: a reset, stop or drain returning 1 removed it, so
 * it must never run; a reset returning 0, a stop returning MODERN -1 / CLASSIC 0, or a drain alone
 * returning MODERN -1 (the arm not being a recorded migration) / CLASSIC 0 mean it was dispatched,
 * so it must run exactly once. MODERN's stop 0 settles nothing (running, and a re-arm may have been
 * removed). Every arm runs at most once.
 *
 * <h2>End</h2>
 * After the workers stop, handlers stop re-arming, the test waits (bounded) until every arm that is
 * certainly live has run (a lost invocation fails here), then drains every callout alone (exact),
 * and checks: no live arm left, every arm fired exactly once or cancelled, nothing pending on any CPU.
 */
final class RealTimeSoakTest {
    /* Implementation notes: nothing here sleeps to synchronise. Workers start together on a
     * CyclicBarrier and run until System.nanoTime passes the run length; every join and wait is
     * bounded, and a failure names what was stuck (with the thread's stack). Model state of a
     * lock-associated callout is guarded by its mutex; of an MP-safe callout by a test-side
     * ReentrantLock (ctl) that the handler does not take; counters that handlers and workers share are
     * atomics. Violations are collected, not thrown, so that handlers never throw into the engine; the
     * test fails at the end with the first ones. Arm records are dropped once their fate is settled,
     * so a long run keeps memory flat. */

    /** System property: the run length per profile in seconds (default {@value #DEFAULT_SECONDS}). */
    static final String SECONDS_PROPERTY = "kcallout.soak.seconds";
    /** System property: the seed of the workers' random choices (default: time based, printed). */
    static final String SEED_PROPERTY = "kcallout.soak.seed";
    static final double DEFAULT_SECONDS = 3;
    static final int WORKERS = 8;
    static final int NCPUS = 4;
    static final int LOCKED_CALLOUTS = 32;
    static final int MPSAFE_CALLOUTS = 12;
    static final int DIRECT_CALLOUTS = 4;
    /** Longest busy work of a (non-direct) handler, in nanoseconds. */
    static final long HANDLER_WORK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** How often a worker yields the processor after an operation (percent). */
    static final int YIELD_PERCENT = Integer.getInteger("kcallout.soak.yield", 50);
    /** Bound on the workers' joins and the final drains, beyond the run length: a safety net. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /**
     * How long the end waits for the arms that are certainly live to run (they are due within a few
     * milliseconds): past it they are reported as lost invocations. A safety net, not a timing assertion.
     */
    static final long QUIESCENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

    @ParameterizedTest
    @EnumSource(Profile.class)
    void soak_randomResetStopDrainScheduleOverFourCpus_accountingIsExact(Profile profile) throws Exception {
        double seconds = Double.parseDouble(System.getProperty(SECONDS_PROPERTY, Double.toString(DEFAULT_SECONDS)));
        long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        new Soak(profile, (long) (seconds * 1e9), seed).run();
    }

    /* ---------------------------------------------------------------------------------------- */

    /** Fates of an arm. */
    static final int LIVE = 0;
    static final int FIRED = 1;
    /** Cancelled, proved by an operation's result. */
    static final int CANCELLED = 2;
    /** Never ran: removed by a drain or its re-arm was refused; inferred by the model. */
    static final int DEAD = 3;

    /** Model states of a lock-associated callout. */
    static final int EMPTY = 0;
    static final int ALIVE = 1;
    static final int MAYBE = 2;

    /** Model states of an MP-safe callout's last arm. */
    static final int NONE = 0;
    static final int CERTAIN = 1;
    static final int UNSURE = 2;
    static final int SETTLED = 3;

    /** Expectations of an MP-safe arm. */
    static final int UNKNOWN = 0;
    static final int MUST_FIRE = 1;
    static final int MUST_NOT_FIRE = 2;

    private static String stateName(int s) {
        switch (s) {
            case EMPTY: return "EMPTY";
            case ALIVE: return "ALIVE";
            case MAYBE: return "MAYBE";
            default: throw new IllegalArgumentException("bad model state " + s);
        }
    }

    /** One arm of a lock-associated callout; guarded by its slot's mutex. */
    static final class LockedArm {
        final LockedSlot slot;
        final long gen;
        final String how;
        /** A schedule re-arm: the handler receives whatever argument was stored, not this record. */
        final boolean wildcard;
        int fate = LIVE;

        LockedArm(LockedSlot slot, long gen, String how, boolean wildcard) {
            this.slot = slot;
            this.gen = gen;
            this.how = how;
            this.wildcard = wildcard;
        }

        @Override
        public String toString() {
            return "arm L" + slot.id + "#" + gen + "(" + how + (wildcard ? ", schedule" : "") + ", fate " + fate + ")";
        }
    }

    /** A lock-associated callout and its model; the model is guarded by {@link #m}. */
    static final class LockedSlot {
        final int id;
        final KMutex m;
        final Callout c = new Callout();
        int state = EMPTY;
        final List<LockedArm> candidates = new ArrayList<>(4);
        int drainsInFlight;
        long ops;
        long fires;
        long nextGen;
        boolean inHandler;
        /** A hint for picking callouts: its handler runs now. Read racily, decides nothing. */
        volatile boolean running;
        long armsCreated;
        long armsFired;
        long armsCancelled;
        long armsDead;

        LockedSlot(int id) {
            this.id = id;
            this.m = new KMutex("soak-m" + id);
        }

        long liveArms() {
            return armsCreated - armsFired - armsCancelled - armsDead;
        }
    }

    /** What a drain of a lock-associated callout saw when it registered. */
    record LockedTicket(int state, List<LockedArm> candidates, long ops, long fires, int drainsInFlight,
                        boolean deferredAtStart) {
    }

    /** One arm of an MP-safe callout; its own record is the handler's argument. */
    static final class FreeArm {
        final FreeSlot slot;
        final long gen;
        final AtomicInteger fires = new AtomicInteger();
        volatile int expect = UNKNOWN;

        FreeArm(FreeSlot slot, long gen) {
            this.slot = slot;
            this.gen = gen;
        }

        @Override
        public String toString() {
            return "arm " + (slot.direct ? "D" : "F") + slot.id + "#" + gen + "(fires " + fires.get() + ", expect " + expect + ")";
        }
    }

    /** An MP-safe callout and its model; the model is guarded by {@link #ctl}. */
    static final class FreeSlot {
        final int id;
        final boolean direct;
        final Callout c = new Callout();
        final ReentrantLock ctl = new ReentrantLock();
        /** A hint for picking callouts: its handler runs now. Read racily, decides nothing. */
        volatile boolean running;
        FreeArm last;
        int lastState = NONE;
        boolean othersMaybePending;
        int drainsInFlight;
        long ops;
        long nextGen;
        long armsCreated;
        long cancelled;
        /** Arms that must still run once; pruned when they have. */
        final List<FreeArm> mustFire = new ArrayList<>();

        FreeSlot(int id, boolean direct) {
            this.id = id;
            this.direct = direct;
        }
    }

    /** What a drain of an MP-safe callout saw when it registered. */
    record FreeTicket(FreeArm last, int lastState, boolean othersMaybePending, long ops, int drainsInFlight,
                      boolean deferredAtStart) {
    }

    /* ---------------------------------------------------------------------------------------- */

    /** One run: a system, the pool, the workers, the figures. */
    static final class Soak {
        final Profile profile;
        final long runNanos;
        final long seed;
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        final AtomicLong violationCount = new AtomicLong();
        final LongAdder lockWaits = new LongAdder();
        final LongAdder drainSleeps = new LongAdder();
        final CalloutWheel sys;
        final LockedSlot[] locked = new LockedSlot[LOCKED_CALLOUTS];
        final FreeSlot[] free = new FreeSlot[MPSAFE_CALLOUTS + DIRECT_CALLOUTS];
        final CalloutFunc<LockedArm> lockedFn = this::lockedHandler;
        final CalloutFunc<FreeArm> freeFn = this::freeHandler;
        volatile boolean endPhase;
        volatile boolean finalized;
        volatile boolean abort;
        volatile long startNanos;
        final AtomicLong endPhaseFires = new AtomicLong();
        final Object quiescence = new Object();

        // Figures.
        final LongAdder[] resetResults = adders(2);
        final LongAdder[] stopResults = adders(3); // index r + 1
        final LongAdder[] drainResults = adders(3);
        final LongAdder resets = new LongAdder();
        final LongAdder resetOns = new LongAdder();
        final LongAdder resetSbtOns = new LongAdder();
        final LongAdder resetCurcpus = new LongAdder();
        final LongAdder schedules = new LongAdder();
        final LongAdder crossCpuResets = new LongAdder();
        final LongAdder deferredSeen = new LongAdder();
        final LongAdder handlerRearms = new LongAdder();
        final LongAdder handlerStops = new LongAdder();
        final LongAdder lockedFires = new LongAdder();
        final LongAdder freeFires = new LongAdder();
        final LongAdder lockedCancelsExact = new LongAdder();
        final LongAdder freeCancelsExact = new LongAdder();
        final LongAdder freeMustFire = new LongAdder();
        final LongAdder opsDone = new LongAdder();

        Soak(Profile profile, long runNanos, long seed) {
            this.profile = profile;
            this.runNanos = runNanos;
            this.seed = seed;
            CalloutObserver counting = new CalloutObserver() {
                @Override
                public void dispatchLockWait(Callout c) {
                    lockWaits.increment();
                }

                @Override
                public void drainWait(Callout c) {
                    drainSleeps.increment();
                }
            };
            this.sys = CalloutWheel.builder()
                    .profile(profile)
                    .ncpus(NCPUS)
                    .observer(counting)
                    .failureHook((c, t) -> violation("a handler threw (or its lock failed): " + t + " on " + c))
                    .build();
            for (int i = 0; i < locked.length; i++) {
                locked[i] = new LockedSlot(i);
                sys.initLock(locked[i].c, locked[i].m, 0);
            }
            for (int i = 0; i < free.length; i++) {
                free[i] = new FreeSlot(i, i >= MPSAFE_CALLOUTS);
                sys.init(free[i].c, true);
            }
        }

        private static LongAdder[] adders(int n) {
            LongAdder[] a = new LongAdder[n];
            for (int i = 0; i < n; i++) {
                a[i] = new LongAdder();
            }
            return a;
        }

        void violation(String what) {
            long n = violationCount.incrementAndGet();
            if (n <= 50) {
                violations.add("[" + Thread.currentThread().getName() + "] " + what);
            }
        }

        /* ------------------------------------------------------------------------------------ */
        /* The run                                                                              */

        void run() throws Exception {
            Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
            Thread.setDefaultUncaughtExceptionHandler((t, e) -> violation("uncaught in " + t.getName() + ": " + e));
            try {
                runWorkers();
                if (!abort) {
                    endBounded();
                }
            } finally {
                closeBounded();
                Thread.setDefaultUncaughtExceptionHandler(previous);
                printFigures();
            }
            if (violationCount.get() > 0) {
                fail(profile + " soak (seed " + seed + "): " + violationCount.get() + " violation(s); first ones:\n  "
                        + String.join("\n  ", violations));
            }
        }

        private void runWorkers() throws Exception {
            CyclicBarrier start = new CyclicBarrier(WORKERS, () -> startNanos = System.nanoTime());
            Thread[] workers = new Thread[WORKERS];
            for (int i = 0; i < WORKERS; i++) {
                SplittableRandom rnd = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * (i + 1));
                workers[i] = new Thread(() -> worker(start, rnd), "soak-worker-" + i);
                workers[i].setDaemon(true);
                workers[i].start();
            }
            long deadline = System.nanoTime() + runNanos + GRACE_NANOS;
            for (Thread w : workers) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(w, left);
                }
            }
            StringBuilder stuck = new StringBuilder();
            for (Thread w : workers) {
                if (w.isAlive()) {
                    stuck.append("\n").append(w.getName()).append(" still running:");
                    for (StackTraceElement e : w.getStackTrace()) {
                        stuck.append("\n    at ").append(e);
                    }
                }
            }
            if (stuck.length() > 0) {
                abort = true;
                violation("workers did not finish within the run length + " + TimeUnit.NANOSECONDS.toSeconds(GRACE_NANOS)
                        + " s (a drain or a lock is stuck):" + stuck + engineThreads());
            }
        }

        /**
         * The end of the run (wait for the live arms, final drains, checks) on its own thread, so that
         * an engine that hangs a drain or a lock fails the test instead of hanging the build.
         */
        private void endBounded() throws InterruptedException {
            Thread end = new Thread(() -> {
                try {
                    awaitQuiescence();
                    finalDrains();
                    finalChecks();
                } catch (Throwable t) {
                    violation("end of the run threw " + t);
                }
            }, "soak-end");
            end.setDaemon(true);
            end.start();
            TimeUnit.NANOSECONDS.timedJoin(end, QUIESCENCE_NANOS + GRACE_NANOS);
            if (end.isAlive()) {
                StringBuilder sb = new StringBuilder("the final wait and drains did not finish within "
                        + TimeUnit.NANOSECONDS.toSeconds(QUIESCENCE_NANOS + GRACE_NANOS) + " s:");
                for (StackTraceElement e : end.getStackTrace()) {
                    sb.append("\n    at ").append(e);
                }
                violation(sb + engineThreads());
            }
        }

        private static String engineThreads() {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                String name = e.getKey().getName();
                if (name.startsWith("kcallout-")) {
                    sb.append("\n").append(name).append(" (").append(e.getKey().getState()).append("):");
                    for (StackTraceElement f : e.getValue()) {
                        sb.append("\n    at ").append(f);
                    }
                }
            }
            return sb.toString();
        }

        private void worker(CyclicBarrier start, SplittableRandom rnd) {
            try {
                start.await(GRACE_NANOS, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                violation("start barrier: " + e);
                return;
            }
            long end = startNanos + runNanos;
            while (!abort && System.nanoTime() - end < 0) {
                int kind = rnd.nextInt(100);
                try {
                    if (kind < 70) {
                        lockedOp(pickLocked(rnd), rnd);
                    } else {
                        freeOp(pickFree(rnd), rnd);
                    }
                } catch (Throwable t) {
                    violation("worker operation threw " + t + " at " + Arrays.toString(Arrays.copyOf(t.getStackTrace(), 4)));
                }
                opsDone.increment();
                // Pacing, not synchronisation: give the softclock and event-timer threads the processor
                // often enough that handlers run (and race with us) even on a machine with few cores.
                if (rnd.nextInt(100) < YIELD_PERCENT) {
                    Thread.yield();
                }
            }
        }

        /**
         * A random lock-associated callout; half of the time one whose handler runs now, if a few
         * tries find one, so that operations often meet a running handler.
         */
        private LockedSlot pickLocked(SplittableRandom rnd) {
            LockedSlot s = locked[rnd.nextInt(locked.length)];
            if (rnd.nextBoolean()) {
                for (int i = 0; i < 8 && !s.running; i++) {
                    s = locked[rnd.nextInt(locked.length)];
                }
            }
            return s;
        }

        /** Same for MP-safe callouts. */
        private FreeSlot pickFree(SplittableRandom rnd) {
            FreeSlot s = free[rnd.nextInt(free.length)];
            if (rnd.nextBoolean()) {
                for (int i = 0; i < 8 && !s.running; i++) {
                    s = free[rnd.nextInt(free.length)];
                }
            }
            return s;
        }

        private int ticks(SplittableRandom rnd) {
            return 1 + rnd.nextInt(2);
        }

        /** A short relative time for reset_sbt_on: up to 200 us, often due at the next scan. */
        private static long shortSbt(SplittableRandom rnd) {
            return rnd.nextLong(200 * Sbt.SBT_1US);
        }

        /* ------------------------------------------------------------------------------------ */
        /* Lock-associated callouts                                                              */

        private void lockedOp(LockedSlot s, SplittableRandom rnd) {
            int op = rnd.nextInt(100);
            if (op >= 85) {
                lockedDrain(s);
                return;
            }
            s.m.lock();
            try {
                if (op < 65) {
                    lockedReset(s, rnd, op);
                } else {
                    int r = sys.stop(s.c);
                    afterLockedStop(s, r);
                }
            } finally {
                s.m.unlock();
            }
        }

        /** A reset of one kind or another, under {@code s.m}; {@code op} picks the kind. */
        private void lockedReset(LockedSlot s, SplittableRandom rnd, int op) {
            Callout c = s.c;
            int cpuBefore = c.cpu();
            int target = -1;
            LockedArm a;
            int r;
            if (op < 15) {
                a = newLockedArm(s, "reset", false);
                r = sys.reset(c, ticks(rnd), lockedFn, a);
                resets.increment();
            } else if (op < 35) {
                target = rnd.nextInt(NCPUS);
                a = newLockedArm(s, "reset_on " + target, false);
                r = sys.resetOn(c, ticks(rnd), lockedFn, a, target);
                resetOns.increment();
            } else if (op < 45) {
                target = rnd.nextBoolean() ? -1 : rnd.nextInt(NCPUS);
                a = newLockedArm(s, "reset_sbt_on " + target, false);
                r = sys.resetSbtOn(c, shortSbt(rnd), 0, lockedFn, a, target, 0);
                resetSbtOns.increment();
            } else if (op < 52) {
                target = rnd.nextInt(NCPUS);
                sys.bindCurrentThread(target);
                a = newLockedArm(s, "reset_curcpu " + target, false);
                r = sys.resetCurcpu(c, ticks(rnd), lockedFn, a);
                resetCurcpus.increment();
            } else if (c.func() != null) {
                target = rnd.nextBoolean() ? -1 : rnd.nextInt(NCPUS);
                a = newLockedArm(s, "schedule_on " + target, true);
                r = sys.scheduleOn(c, ticks(rnd), target);
                schedules.increment();
            } else {
                a = newLockedArm(s, "reset (first)", false);
                r = sys.reset(c, ticks(rnd), lockedFn, a);
                resets.increment();
            }
            if (target >= 0 && target != cpuBefore) {
                crossCpuResets.increment();
            }
            if ((c.iflags() & CALLOUT_DFRMIGRATION) != 0) {
                deferredSeen.increment();
            }
            afterLockedReset(s, a, r);
        }

        private static LockedArm newLockedArm(LockedSlot s, String how, boolean wildcard) {
            return new LockedArm(s, ++s.nextGen, how, wildcard);
        }

        private void resolve(LockedSlot s, LockedArm a, int fate) {
            if (a.fate != LIVE) {
                violation("model: " + a + " resolved twice (to " + fate + ")");
                return;
            }
            a.fate = fate;
            switch (fate) {
                case FIRED:
                    s.armsFired++;
                    break;
                case CANCELLED:
                    s.armsCancelled++;
                    lockedCancelsExact.increment();
                    break;
                case DEAD:
                    s.armsDead++;
                    break;
                default:
                    throw new IllegalArgumentException("bad fate " + fate);
            }
        }

        /** Every candidate is dead (one was cancelled, or none was live): mark them, empty the set. */
        private void killCandidates(LockedSlot s, int fateOfAlive) {
            for (LockedArm a : s.candidates) {
                if (a.fate == LIVE) {
                    resolve(s, a, s.state == ALIVE ? fateOfAlive : DEAD);
                }
            }
            s.candidates.clear();
        }

        private void afterLockedReset(LockedSlot s, LockedArm a, int r) {
            resetResults[r == 1 ? 1 : 0].increment();
            s.ops++;
            s.armsCreated++;
            if (r != 0 && r != 1) {
                violation(a + ": reset returned " + r);
            }
            if (s.drainsInFlight == 0) {
                if (s.state == ALIVE && r != 1) {
                    violation(a + ": reset returned " + r + " but " + s.candidates.get(0)
                            + " was live (pending, recorded or waiting for the lock): expected 1");
                } else if (s.state == EMPTY && r != 0) {
                    violation(a + ": reset returned " + r + " but nothing was live: expected 0");
                } else if (s.state == MAYBE && r == 1 && s.candidates.isEmpty()) {
                    violation(a + ": reset returned 1 with no candidate");
                }
                killCandidates(s, CANCELLED);
                s.candidates.add(a);
                s.state = ALIVE;
            } else {
                if (s.state == EMPTY && r != 0) {
                    violation(a + ": reset during a drain returned " + r + " but nothing was live: expected 0");
                }
                if (r == 1) {
                    killCandidates(s, DEAD);
                }
                s.candidates.add(a);
                s.state = MAYBE;
            }
        }

        private void afterLockedStop(LockedSlot s, int r) {
            stopResults[r + 1].increment();
            s.ops++;
            String what = "L" + s.id + ": stop" + (s.inHandler ? " from the handler" : "") + " returned " + r
                    + " in model state " + stateName(s.state) + " " + s.candidates;
            if (profile == Profile.MODERN) {
                if (s.inHandler) {
                    if (r != 0) {
                        violation(what + ": expected 0 (SPEC 5.4, the handler is running)");
                    }
                } else if (s.state == EMPTY && r != 0 && r != -1) {
                    violation(what + ": expected 0 or -1");
                } else if (s.state == ALIVE && r != 0 && r != 1) {
                    violation(what + ": expected 0 or 1");
                } else if (r < -1 || r > 1) {
                    violation(what);
                }
            } else {
                if (s.state == EMPTY && r != 0) {
                    violation(what + ": expected 0");
                } else if (s.state == ALIVE && r != 1) {
                    violation(what + ": expected 1");
                } else if (r != 0 && r != 1) {
                    violation(what);
                }
            }
            // The live arm is gone whatever the result (SPEC 4.7: MODERN's 0 still removes a pending re-arm).
            killCandidates(s, CANCELLED);
            s.state = EMPTY;
            if (s.c.pending()) {
                violation(what + ": still pending after stop under the callout's lock");
            }
        }

        private void lockedDrain(LockedSlot s) {
            LockedTicket t;
            s.m.lock();
            try {
                s.ops++;
                t = new LockedTicket(s.state, List.copyOf(s.candidates), s.ops, s.fires, s.drainsInFlight,
                        (s.c.iflags() & CALLOUT_DFRMIGRATION) != 0);
                s.drainsInFlight++;
                if (s.state == ALIVE) {
                    s.state = MAYBE; // the drain may take it at a moment the model cannot see
                }
            } finally {
                s.m.unlock();
            }
            int r = Integer.MIN_VALUE;
            try {
                r = sys.drain(s.c);
            } finally {
                s.m.lock();
                try {
                    s.drainsInFlight--;
                    if (r != Integer.MIN_VALUE) {
                        afterLockedDrain(s, t, r);
                    }
                } finally {
                    s.m.unlock();
                }
            }
        }

        private void afterLockedDrain(LockedSlot s, LockedTicket t, int r) {
            drainResults[Math.max(0, Math.min(2, r + 1))].increment();
            int none = profile == Profile.MODERN ? -1 : 0;
            String what = "L" + s.id + ": drain returned " + r + " from model state " + stateName(t.state()) + " " + t.candidates();
            if (r != none && r != 1) {
                violation(what + ": expected " + none + " or 1");
            }
            boolean quiet = s.ops == t.ops() && t.drainsInFlight() == 0;
            if (!quiet) {
                return;
            }
            if (t.state() == EMPTY && r != none) {
                violation(what + " with nothing else happening: expected " + none);
            }
            if (r == 1 && s.fires != t.fires()) {
                violation(what + ": 1 means the live arm was removed, yet the handler ran during the drain");
            }
            if (t.state() == ALIVE) {
                LockedArm a = t.candidates().get(0);
                if (r == 1 && a.fate == LIVE) {
                    resolve(s, a, CANCELLED);
                } else if (r == none && a.fate != FIRED && !(profile == Profile.MODERN && t.deferredAtStart())) {
                    violation(what + ": " + a + " was live and not a recorded migration, so it must have run (lost invocation?)");
                }
            }
            killCandidates(s, DEAD);
            s.state = EMPTY;
            if (s.c.pending()) {
                violation(what + ": still pending after a drain with no re-arm since");
            }
        }

        /** The handler of every lock-associated callout: runs with the callout's mutex held. */
        private void lockedHandler(LockedArm token) {
            LockedSlot s = token.slot;
            lockedFires.increment();
            if (!s.m.owned()) {
                violation(token + " invoked without its mutex held");
                return;
            }
            if (finalized) {
                violation(token + " invoked after the final drain");
            }
            s.inHandler = true;
            s.running = true;
            try {
                s.fires++;
                LockedArm match = null;
                for (LockedArm a : s.candidates) {
                    if (a == token) {
                        match = a;
                    }
                }
                if (match == null) {
                    for (LockedArm a : s.candidates) {
                        if (a.wildcard) {
                            match = a;
                        }
                    }
                }
                if (match == null) {
                    violation("invocation with " + token + " matches no live arm (model state " + stateName(s.state) + " "
                            + s.candidates + "): " + (token.fate == FIRED ? "double invocation"
                            : token.fate == CANCELLED ? "invocation of a cancelled arm" : "invocation of a superseded arm"));
                } else {
                    resolve(s, match, FIRED);
                }
                for (LockedArm a : s.candidates) {
                    if (a.fate == LIVE) {
                        resolve(s, a, DEAD);
                    }
                }
                s.candidates.clear();
                s.state = EMPTY;
                work(HANDLER_WORK_NANOS);
                if (!endPhase) {
                    handlerAction(s);
                }
            } finally {
                s.inHandler = false;
                s.running = false;
            }
            endPhaseFire();
        }

        /** What a handler does to its own callout: often re-arms (maybe on another CPU), sometimes stops. */
        private void handlerAction(LockedSlot s) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int x = rnd.nextInt(100);
            if (x < 40) {
                int target = x < 20 ? -1 : rnd.nextInt(NCPUS);
                int cpuBefore = s.c.cpu();
                LockedArm a = newLockedArm(s, "handler reset_on " + target, false);
                int r = sys.resetOn(s.c, 1 + rnd.nextInt(3), lockedFn, a, target);
                handlerRearms.increment();
                if (target >= 0 && target != cpuBefore) {
                    crossCpuResets.increment();
                    boolean deferred = (s.c.iflags() & CALLOUT_DFRMIGRATION) != 0;
                    if (deferred) {
                        deferredSeen.increment();
                    }
                    // SPEC 5.4 / 5.6: from its own handler a reset to another CPU is a deferred migration:
                    // pending, on no list, still owned by this CPU until the handler returns. Only a
                    // waiting drainer (none registered here) could refuse it.
                    if (s.drainsInFlight == 0 && !(deferred && s.c.pending() && s.c.cpu() == cpuBefore)) {
                        violation(a + ": reset_on from CPU " + cpuBefore + "'s own handler is not a deferred migration: " + s.c);
                    }
                }
                if (r != 0) {
                    violation(a + ": a reset from inside the handler returned " + r + ": expected 0 (SPEC 5.4)");
                }
                afterLockedReset(s, a, r);
                if (x < 5) {
                    handlerStops.increment();
                    afterLockedStop(s, sys.stop(s.c));
                }
            } else if (x < 45) {
                handlerStops.increment();
                afterLockedStop(s, sys.stop(s.c));
            }
        }

        /* ------------------------------------------------------------------------------------ */
        /* MP-safe callouts                                                                       */

        private void freeOp(FreeSlot s, SplittableRandom rnd) {
            int op = rnd.nextInt(100);
            if (op >= 85) {
                freeDrain(s);
                return;
            }
            s.ctl.lock();
            try {
                if (op < 65) {
                    freeReset(s, rnd, op);
                } else {
                    int r = sys.stop(s.c);
                    afterFreeStop(s, r);
                }
            } finally {
                s.ctl.unlock();
            }
        }

        private void freeReset(FreeSlot s, SplittableRandom rnd, int op) {
            Callout c = s.c;
            int cpuBefore = c.cpu();
            FreeArm a = new FreeArm(s, ++s.nextGen);
            int target = op < 20 ? -1 : rnd.nextInt(NCPUS);
            int flags = C_HARDCLOCK | (s.direct ? C_DIRECT_EXEC : 0);
            int r;
            if (op < 50) {
                r = sys.resetSbtOn(c, ticks(rnd) * sys.tickSbt(), 0, freeFn, a, target, flags);
                if (target == -1) {
                    resets.increment();
                } else {
                    resetOns.increment();
                }
            } else {
                target = rnd.nextBoolean() ? -1 : rnd.nextInt(NCPUS);
                r = sys.resetSbtOn(c, shortSbt(rnd), 0, freeFn, a, target, s.direct ? C_DIRECT_EXEC : 0);
                resetSbtOns.increment();
            }
            if (target >= 0 && target != cpuBefore) {
                crossCpuResets.increment();
            }
            if ((c.iflags() & CALLOUT_DFRMIGRATION) != 0) {
                deferredSeen.increment();
            }
            afterFreeReset(s, a, r);
        }

        private void mustFire(FreeSlot s, FreeArm a) {
            if (a.expect == MUST_NOT_FIRE) {
                violation(a + ": the model says both cancelled and dispatched");
            }
            a.expect = MUST_FIRE;
            freeMustFire.increment();
            if (a.fires.get() == 0) {
                s.mustFire.add(a);
            }
            if (s.mustFire.size() > 64) {
                s.mustFire.removeIf(x -> x.fires.get() > 0);
            }
        }

        private void mustNotFire(FreeSlot s, FreeArm a, String why) {
            a.expect = MUST_NOT_FIRE;
            s.cancelled++;
            freeCancelsExact.increment();
            if (a.fires.get() != 0) {
                violation(a + ": " + why + ", yet it ran");
            }
        }

        private void afterFreeReset(FreeSlot s, FreeArm a, int r) {
            resetResults[r == 1 ? 1 : 0].increment();
            s.ops++;
            s.armsCreated++;
            String what = a + ": reset returned " + r + " (last " + s.last + ", state " + s.lastState + ", others "
                    + s.othersMaybePending + ", drains " + s.drainsInFlight + ")";
            if (r != 0 && r != 1) {
                violation(what);
            }
            boolean nothingPending = !s.othersMaybePending && (s.lastState == NONE || s.lastState == SETTLED);
            if (nothingPending && r != 0) {
                violation(what + ": nothing was pending: expected 0");
            }
            if (s.drainsInFlight == 0) {
                if (!s.othersMaybePending && s.lastState == CERTAIN) {
                    if (r == 1) {
                        mustNotFire(s, s.last, "a reset returned 1 for it (removed while pending)");
                    } else {
                        mustFire(s, s.last); // not pending, not recorded: it was dispatched
                    }
                }
                s.othersMaybePending = false;
                s.last = a;
                s.lastState = CERTAIN;
            } else {
                // An MP-safe reset is refused only with 0 (SPEC 4.4 5b: no lock to cancel), so 1 means it armed.
                s.othersMaybePending = r == 1 ? false : s.othersMaybePending || s.lastState == UNSURE;
                s.last = a;
                s.lastState = UNSURE;
            }
        }

        private void afterFreeStop(FreeSlot s, int r) {
            stopResults[r + 1].increment();
            s.ops++;
            String what = (s.direct ? "D" : "F") + s.id + ": stop returned " + r + " (last " + s.last + ", state "
                    + s.lastState + ", others " + s.othersMaybePending + ")";
            boolean exact = !s.othersMaybePending;
            boolean certain = exact && s.lastState == CERTAIN;
            boolean nothingPending = exact && (s.lastState == NONE || s.lastState == SETTLED);
            if (profile == Profile.MODERN) {
                if (r < -1 || r > 1) {
                    violation(what);
                } else if (nothingPending && r == 1) {
                    violation(what + ": nothing was pending: expected 0 or -1");
                } else if (certain && r == 1) {
                    mustNotFire(s, s.last, "stop returned 1 for it");
                } else if (certain && r == -1) {
                    mustFire(s, s.last);
                    if (s.last.fires.get() != 1) {
                        violation(what + ": -1 means neither pending nor running, so it must have run already");
                    }
                }
            } else {
                if (r != 0 && r != 1) {
                    violation(what);
                } else if (nothingPending && r != 0) {
                    violation(what + ": nothing was pending: expected 0");
                } else if (certain && r == 1) {
                    mustNotFire(s, s.last, "stop returned 1 for it");
                } else if (certain) {
                    mustFire(s, s.last);
                }
            }
            s.lastState = s.last == null ? NONE : SETTLED;
            s.othersMaybePending = false;
            if (s.c.pending()) {
                violation(what + ": still pending after stop");
            }
        }

        private void freeDrain(FreeSlot s) {
            FreeTicket t;
            s.ctl.lock();
            try {
                s.ops++;
                t = new FreeTicket(s.last, s.lastState, s.othersMaybePending, s.ops, s.drainsInFlight,
                        (s.c.iflags() & CALLOUT_DFRMIGRATION) != 0);
                s.drainsInFlight++;
                if (s.lastState == CERTAIN) {
                    s.lastState = UNSURE;
                }
            } finally {
                s.ctl.unlock();
            }
            int r = Integer.MIN_VALUE;
            try {
                r = sys.drain(s.c);
            } finally {
                s.ctl.lock();
                try {
                    s.drainsInFlight--;
                    if (r != Integer.MIN_VALUE) {
                        afterFreeDrain(s, t, r);
                    }
                } finally {
                    s.ctl.unlock();
                }
            }
        }

        private void afterFreeDrain(FreeSlot s, FreeTicket t, int r) {
            drainResults[Math.max(0, Math.min(2, r + 1))].increment();
            int none = profile == Profile.MODERN ? -1 : 0;
            String what = (s.direct ? "D" : "F") + s.id + ": drain returned " + r + " (last " + t.last() + ", state "
                    + t.lastState() + ", others " + t.othersMaybePending() + ")";
            if (r != none && r != 1) {
                violation(what + ": expected " + none + " or 1");
            }
            boolean quiet = s.ops == t.ops() && t.drainsInFlight() == 0;
            if (!quiet) {
                return;
            }
            boolean exact = !t.othersMaybePending();
            if (exact && (t.lastState() == NONE || t.lastState() == SETTLED) && r != none) {
                violation(what + ": nothing was pending and nothing else happened: expected " + none);
            }
            if (exact && t.lastState() == CERTAIN) {
                if (r == 1) {
                    mustNotFire(s, t.last(), "drain returned 1 for it");
                } else if (profile == Profile.CLASSIC || !t.deferredAtStart()) {
                    mustFire(s, t.last());
                    if (t.last().fires.get() != 1) {
                        violation(what + ": it was not pending when the drain looked, and the drain waited, so it must have run");
                    }
                }
            }
            s.lastState = s.last == null ? NONE : SETTLED;
            s.othersMaybePending = false;
            if (s.c.pending()) {
                violation(what + ": still pending after a drain with nothing else happening");
            }
        }

        /** The handler of every MP-safe callout (direct ones run it on the event-timer thread). */
        private void freeHandler(FreeArm a) {
            freeFires.increment();
            int n = a.fires.incrementAndGet();
            if (n > 1) {
                violation(a + ": double invocation");
            }
            if (a.expect == MUST_NOT_FIRE) {
                violation(a + ": invocation of an arm proved cancelled");
            }
            if (finalized) {
                violation(a + ": invoked after the final drain");
            }
            if (!a.slot.direct) {
                a.slot.running = true;
                work(HANDLER_WORK_NANOS); // a direct handler runs on the event-timer thread: keep it short
                a.slot.running = false;
            }
            endPhaseFire();
        }

        /**
         * Busy work inside a handler, up to {@code maxNanos}, so that stops, resets and drains often
         * meet a running handler. Not synchronisation: nothing waits for it.
         */
        private static void work(long maxNanos) {
            long until = System.nanoTime() + ThreadLocalRandom.current().nextLong(maxNanos);
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        }

        /* ------------------------------------------------------------------------------------ */
        /* End of the run                                                                        */

        private void endPhaseFire() {
            if (endPhase) {
                endPhaseFires.incrementAndGet();
                synchronized (quiescence) {
                    quiescence.notifyAll();
                }
            }
        }

        /** The arms that must still run: the live arm of every ALIVE lock callout, and MP-safe arms known to be dispatched or certainly armed. */
        private List<String> mustStillRun() {
            List<String> waiting = new ArrayList<>();
            for (LockedSlot s : locked) {
                s.m.lock();
                try {
                    if (s.state == ALIVE) {
                        waiting.add(s.candidates.get(0) + " on " + s.c);
                    }
                } finally {
                    s.m.unlock();
                }
            }
            for (FreeSlot s : free) {
                s.ctl.lock();
                try {
                    if (s.lastState == CERTAIN && s.last.fires.get() == 0) {
                        waiting.add(s.last + " (certainly armed) on " + s.c);
                    }
                    for (FreeArm a : s.mustFire) {
                        if (a.fires.get() == 0) {
                            waiting.add(a + " (dispatched) on " + s.c);
                        }
                    }
                } finally {
                    s.ctl.unlock();
                }
            }
            return waiting;
        }

        /** Lets every live arm run: a lost invocation fails here. Bounded; waits on the handlers' notifications. */
        private void awaitQuiescence() throws InterruptedException {
            endPhase = true;
            long deadline = System.nanoTime() + QUIESCENCE_NANOS;
            for (;;) {
                long seen = endPhaseFires.get();
                List<String> waiting = mustStillRun();
                if (waiting.isEmpty()) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    violation("lost invocations: " + waiting.size() + " arm(s) certainly live never ran within "
                            + TimeUnit.NANOSECONDS.toSeconds(QUIESCENCE_NANOS) + " s: " + waiting.subList(0, Math.min(5, waiting.size()))
                            + "; pending per CPU " + pendingPerCpu() + engineThreads());
                    return;
                }
                synchronized (quiescence) {
                    if (endPhaseFires.get() == seen) {
                        quiescence.wait(100); // re-evaluated on every invocation; the timeout only bounds a missed one
                    }
                }
            }
        }

        private void finalDrains() {
            for (LockedSlot s : locked) {
                lockedDrain(s);
            }
            for (FreeSlot s : free) {
                freeDrain(s);
            }
            finalized = true;
        }

        private String pendingPerCpu() {
            int[] n = new int[NCPUS];
            for (int i = 0; i < NCPUS; i++) {
                n[i] = WheelProbe.of(sys).pendingCount(i);
            }
            return Arrays.toString(n);
        }

        private void finalChecks() {
            for (LockedSlot s : locked) {
                s.m.lock();
                try {
                    if (s.state != EMPTY || !s.candidates.isEmpty()) {
                        violation("L" + s.id + ": model not empty after the final drain: " + stateName(s.state) + " " + s.candidates);
                    }
                    if (s.liveArms() != 0) {
                        violation("L" + s.id + ": " + s.liveArms() + " arm(s) neither fired nor cancelled");
                    }
                    if (s.c.pending()) {
                        violation("L" + s.id + ": pending after the final drain: " + s.c);
                    }
                } finally {
                    s.m.unlock();
                }
            }
            for (FreeSlot s : free) {
                s.ctl.lock();
                try {
                    for (FreeArm a : s.mustFire) {
                        if (a.fires.get() != 1) {
                            violation(a + ": known to be dispatched but ran " + a.fires.get() + " time(s)");
                        }
                    }
                    if (s.c.pending()) {
                        violation((s.direct ? "D" : "F") + s.id + ": pending after the final drain: " + s.c);
                    }
                } finally {
                    s.ctl.unlock();
                }
            }
            long freeArms = 0;
            for (FreeSlot s : free) {
                freeArms += s.armsCreated;
            }
            if (freeFires.sum() + freeCancelsExact.sum() > freeArms) {
                violation("MP-safe: " + freeFires.sum() + " invocations + " + freeCancelsExact.sum()
                        + " proved cancellations exceed " + freeArms + " arms");
            }
            for (int i = 0; i < NCPUS; i++) {
                int n = WheelProbe.of(sys).pendingCount(i);
                if (n != 0) {
                    violation("CPU " + i + ": " + n + " callout(s) still on the wheel or expire queue after the final drains");
                }
            }
        }

        private void closeBounded() throws InterruptedException {
            Thread closer = new Thread(sys::close, "soak-close");
            closer.setDaemon(true);
            closer.start();
            TimeUnit.NANOSECONDS.timedJoin(closer, QUIESCENCE_NANOS);
            if (closer.isAlive()) {
                violation("CalloutWheel.close() did not return within " + TimeUnit.NANOSECONDS.toSeconds(QUIESCENCE_NANOS)
                        + " s" + engineThreads());
            }
        }

        private void printFigures() {
            long lockedArms = 0;
            long lockedFired = 0;
            long lockedCancelled = 0;
            long lockedDead = 0;
            for (LockedSlot s : locked) {
                lockedArms += s.armsCreated;
                lockedFired += s.armsFired;
                lockedCancelled += s.armsCancelled;
                lockedDead += s.armsDead;
            }
            long freeArms = 0;
            for (FreeSlot s : free) {
                freeArms += s.armsCreated;
            }
            double secs = runNanos / 1e9;
            System.out.printf("%nRealTimeSoakTest %s: %.1f s, seed %d, %d workers, %d CPUs, %d locked + %d MP-safe + %d direct callouts%n",
                    profile, secs, seed, WORKERS, NCPUS, LOCKED_CALLOUTS, MPSAFE_CALLOUTS, DIRECT_CALLOUTS);
            System.out.printf("  operations      %d (%.0f/s)%n", opsDone.sum(), opsDone.sum() / secs);
            System.out.printf("  arms            %d (locked %d, MP-safe %d): reset %d, reset_on %d, reset_sbt_on %d, reset_curcpu %d,"
                            + " schedule %d, handler re-arms %d%n",
                    lockedArms + freeArms, lockedArms, freeArms, resets.sum(), resetOns.sum(), resetSbtOns.sum(),
                    resetCurcpus.sum(), schedules.sum(), handlerRearms.sum());
            System.out.printf("  reset results   0: %d, 1: %d%n", resetResults[0].sum(), resetResults[1].sum());
            System.out.printf("  migrations      cross-CPU resets %d, deferred migrations seen %d%n",
                    crossCpuResets.sum(), deferredSeen.sum());
            System.out.printf("  fires           %d (locked %d, MP-safe %d)%n",
                    lockedFires.sum() + freeFires.sum(), lockedFires.sum(), freeFires.sum());
            System.out.printf("  locked arms     fired %d, cancelled (proved) %d, never ran (drained or refused) %d, live %d%n",
                    lockedFired, lockedCancelled, lockedDead, lockedArms - lockedFired - lockedCancelled - lockedDead);
            System.out.printf("  MP-safe arms    fired %d, cancelled (proved) %d, dispatched (proved) %d, otherwise not run %d%n",
                    freeFires.sum(), freeCancelsExact.sum(), freeMustFire.sum(), freeArms - freeFires.sum() - freeCancelsExact.sum());
            System.out.printf("  stops           %d: -1: %d, 0: %d, 1: %d (from handlers %d)%n",
                    stopResults[0].sum() + stopResults[1].sum() + stopResults[2].sum(),
                    stopResults[0].sum(), stopResults[1].sum(), stopResults[2].sum(), handlerStops.sum());
            System.out.printf("  drains          %d: -1: %d, 0: %d, 1: %d (drainer sleeps %d)%n",
                    drainResults[0].sum() + drainResults[1].sum() + drainResults[2].sum(),
                    drainResults[0].sum(), drainResults[1].sum(), drainResults[2].sum(), drainSleeps.sum());
            System.out.printf("  lock hand-offs  %d dispatches of lock-associated callouts entered LOCKWAIT%n", lockWaits.sum());
            System.out.printf("  violations      %d%n", violationCount.get());
        }
    }
}
