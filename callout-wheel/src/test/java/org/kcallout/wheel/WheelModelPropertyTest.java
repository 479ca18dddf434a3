package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;
import static org.kcallout.CalloutFlags.C_PREL;
import static org.kcallout.Sbt.SBT_1S;
import static org.kcallout.Sbt.SBT_MAX;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.Sbt;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/**
 * Seeded random sequences of reset, schedule, stop, drain, deactivate, re-init and advance, run on
 * the real engine (one CPU, {@link VirtualTicklessClock}) and on a naive reference model, compared after
 * every step, over several wheel shapes and at clock extremes (STYLE habit 14).
 *
 * <p>Rerun one seed with {@code -Dkcallout.seed=N}; every failure message names the seed, the wheel
 * size, the clock start, the step and the recent operations.
 */
final class WheelModelPropertyTest {
    /* Implementation notes.
     *
     * The model. A TreeMap of pending callouts keyed by (deadline, arm sequence number), per-callout
     * PENDING/ACTIVE/handler state, and the log of expected firings. Every arm here has precision 0,
     * so a callout's window is the single instant c_time and the engine, whose event timer delivers
     * each interrupt at the reported hard deadline, must run it exactly when virtual time reaches
     * c_time (or at the next interrupt if c_time is already past, i.e. at vt.now() when the next
     * advance starts). Arms with precision 0:
     *   - C_ABSOLUTE with pr = 0: callout_when returns (sbt, 0) verbatim (SPEC §4.3 step 1);
     *   - relative with C_PREL(63) and pr = 0: precision = max(sbt >> 63, 0) = 0 for every sbt (>> 63
     *     is 0 for sbt >= 0 and -1 for sbt < 0). C_PREL(62) would NOT do: sbt >> 62 is 1 for
     *     sbt >= 2^62, and the saturating arms below use such sbt;
     *   - C_HARDCLOCK | C_PREL(63): callout_reset's time rule (hardclocktime + n * tick_sbt, §4.3)
     *     with an exact window. callout_reset itself has the default relative precision (n*tick >> 4),
     *     whose firing instant is a lookahead heuristic; it is tested separately below.
     * The model computes c_time as SPEC §4.3 (callout_when, saturating at SBT_MAX) and §4.4 step 8
     * (clamp up to cc_lastscan).
     *
     * Ordering (SPEC decision 4): callouts that expire in one scan run bucket by bucket, in the order
     * the scan visits buckets (starting at the bucket of the previous scan's time, §6), and FIFO (arm
     * order) within a bucket. With exact windows the engine interrupts at every pending deadline, so
     * a scan that is not the first of an advance expires only callouts whose c_time equals its time:
     * those run in arming order. Only the first scan of an advance (at vt.now(), expiring what was
     * armed in the past since the previous scan) can hold different c_time values; there the model
     * orders by ((hash(c_time) - hash(lastscan)) & mask, arm order): "bucket" is the wheel's bucket,
     * so on a 1-bucket wheel such a scan is pure FIFO.
     *
     * cc_lastscan is an input to the model, read from the engine: besides the callout deadlines the
     * engine also interrupts at bucket boundaries (callout_process's lookahead, §6), a heuristic the
     * naive model deliberately does not reproduce. The model uses it only to clamp arms in the past
     * and to order the first scan of an advance, and checks that it never exceeds now nor precedes the
     * last scan the model knows of. Inside a handler the model knows it exactly (the scan's time).
     *
     * Stop/drain/reset follow MODERN (SPEC §4.4, §4.7, §4.8, §5.4): between steps nothing runs, so
     * stop/drain return 1 (pending, removed, ACTIVE cleared) or -1 (idle, ACTIVE untouched); a reset
     * returns 1 iff it removed a pending instance. Inside a handler the only executing callout is the
     * handler's own: stop of itself clears ACTIVE and returns 0 (removing a re-arm made earlier in the
     * same handler), reset of itself re-arms and returns 0 (1 if it replaced such a re-arm), drain of
     * itself throws IllegalStateException and changes nothing; operations on other callouts behave as
     * between steps.
     *
     * Handlers are two prebuilt functions (A and B, to check that callout_schedule reuses the last
     * one) with a per-callout context argument. What a handler does is decided by a PRNG seeded with
     * (seed, callout, how many times it has fired), so the model replays the same decisions
     * independently; its log records the same entries, results included. */

    static final int POOL = 64;
    static final int STEPS = 1000;
    static final int HZ = 1000;
    static final long TICK = SBT_1S / HZ;
    static final long BUCKET = 1L << 24;
    /** Tick threshold of SPEC §1 with the default 5 % deviation: tick_sbt << tc_precexp(4). */
    static final long TICK_THRESHOLD = TICK << 4;
    static final int EXACT = C_PREL(63);
    /** Result code recorded for an IllegalStateException. */
    static final int ISE = 99;

    static final long[] FIXED_SEEDS = {1L, 0x5eedL, 20240229L};
    /** Wheel shapes; 1024 is the smallest here whose revolution (4 s) exceeds a scan gap plus the lookahead (1 s + 1 s). */
    static final int[] SIZES = {1, 2, 16, 256, 1024, 8192};

    /** Where the virtual clock starts, and what {@code ticks} reads there. */
    enum Start {
        /** Boot: hardclocktime is 0 during the first tick (callout_when's early-boot rule). */
        ZERO(0, 0),
        /** Just below the 32-bit bucket-hash wrap: (t >> 24) overflows an int at 2^56. */
        HASH_WRAP((1L << 56) - 3 * SBT_1S, 0),
        /**
         * Far out: 2^62 + 5 s. Exactly 2^62 (a multiple of 2^56, where cc_lastscan's initial 0 aliases
         * with now in the 32-bit bucket hash) is covered by firstScan_farFromTimeZero_expiresEverythingDue.
         */
        FAR((1L << 62) + 5 * SBT_1S, 0),
        /** ticks just below Integer.MAX_VALUE: it wraps to negative after six ticks. */
        TICKS_WRAP(5 * SBT_1S + 12345, Integer.MAX_VALUE - 5);

        final long time;
        final int ticks;

        Start(long time, int ticks) {
            this.time = time;
            this.ticks = ticks;
        }
    }

    /* ------------------------------------------------------------------------------------------ */
    /* Tests                                                                                      */

    /** The engine agrees with the model after every step, for every seed, wheel size and clock start. */
    @TestFactory
    Stream<DynamicTest> randomOperations_everyShapeAndClock_matchReferenceModel() {
        List<Long> seeds = new ArrayList<>();
        for (long s : FIXED_SEEDS) {
            seeds.add(s);
        }
        String prop = System.getProperty("kcallout.seed");
        long extra = prop != null ? Long.decode(prop) : System.nanoTime();
        System.out.println("WheelModelPropertyTest: extra seed " + extra + " (rerun with -Dkcallout.seed=" + extra + ")");
        seeds.add(extra);
        List<DynamicTest> tests = new ArrayList<>();
        for (long seed : seeds) {
            for (int size : SIZES) {
                for (Start start : Start.values()) {
                    tests.add(DynamicTest.dynamicTest("seed=" + seed + " size=" + size + " start=" + start,
                            () -> runRandom(seed, size, start, STEPS)));
                }
            }
        }
        return tests.stream();
    }

    /**
     * The first callout_process of a clock that started, or stayed idle, far from time 0 expires
     * everything due: an arm already past runs at that scan (SPEC §6 "arm time in the past", test
     * 61) and one due 1 ms later runs exactly then, whatever the distance from cc_lastscan's initial
     * value 0 (SPEC §2.3); SPEC §6 calls the 32-bit bucket-hash wrap at 2^56 sbt harmless.
     */
    @ParameterizedTest
    @EnumSource(FirstScan.class)
    void firstScan_farFromTimeZero_expiresEverythingDue(FirstScan fs) {
        try (Run run = new Run(7, 8192, fs.start, 0, true)) {
            run.label = "clock=" + fs;
            run.exec(new Op(Kind.ADVANCE, 0, fs.idle, 0, 0)); // nothing armed: no interrupt, no scan
            long now = fs.start + fs.idle;
            run.exec(new Op(Kind.ARM, 0, now - SBT_1S, C_ABSOLUTE, 0)); // already due
            run.exec(new Op(Kind.ARM, 1, Sbt.SBT_1MS, EXACT, 0)); // due in 1 ms
            run.exec(new Op(Kind.ADVANCE, 0, 0, 0, 0)); // the first scan: c0 runs now
            run.exec(new Op(Kind.ADVANCE, 0, 2 * Sbt.SBT_1MS, 0, 0)); // c1 runs at its deadline
            run.finish();
        }
    }

    /** Clock start and idle time before the first scan, for {@link #firstScan_farFromTimeZero_expiresEverythingDue}. */
    enum FirstScan {
        BOOT(0, 2 * SBT_1S),
        BELOW_HASH_WRAP((1L << 56) - 3 * SBT_1S, 0),
        /** First scan at 2^56 - 0.5 s: its 1 s lookahead crosses the hash wrap. */
        LOOKAHEAD_ACROSS_HASH_WRAP((1L << 56) - 3 * SBT_1S, 2 * SBT_1S + SBT_1S / 2),
        AT_2_56(1L << 56, 0),
        AT_2_62(1L << 62, 0),
        AT_2_62_PLUS_5S((1L << 62) + 5 * SBT_1S, 0);

        final long start;
        final long idle;

        FirstScan(long start, long idle) {
            this.start = start;
            this.idle = idle;
        }
    }

    /**
     * A relative arm whose time overflows saturates at SBT_MAX (SPEC §4.3 step 4) and does not fire
     * while virtual time crosses many wheel revolutions, for every wheel shape.
     */
    @Test
    void relativeArm_overflowingSbt_saturatesAndNeverFiresEarly() {
        for (int size : SIZES) {
            try (Run run = new Run(11, size, (1L << 62) + 12345, 0, true)) {
                long rev = (long) size << 24;
                run.exec(new Op(Kind.ARM, 0, Long.MAX_VALUE, EXACT, 0));
                run.exec(new Op(Kind.ARM, 1, Long.MAX_VALUE - SBT_1S, EXACT, 1));
                run.exec(new Op(Kind.ARM, 2, SBT_MAX, C_ABSOLUTE, 0));
                run.exec(new Op(Kind.ARM, 3, SBT_MAX - 1, C_ABSOLUTE, 0));
                run.exec(new Op(Kind.ARM, 4, 10 * TICK, EXACT, 0)); // keep the scans busy
                assertEquals(SBT_MAX, run.cs[0].time(), run.where("saturated time"));
                assertEquals(SBT_MAX, run.cs[1].time(), run.where("saturated time"));
                for (int i = 0; i < 6; i++) {
                    run.exec(new Op(Kind.ADVANCE, 0, Math.min(3 * rev + BUCKET / 3, 40 * SBT_1S), 0, 0));
                }
                run.finish();
                for (int i = 0; i < 4; i++) {
                    assertTrue(run.cs[i].pending(), run.where("c" + i + " still pending"));
                }
            }
        }
    }

    /**
     * Near the end of time: callouts in the last second before SBT_MAX, including the last bucket
     * (the final 2^24 sbt), fire exactly at their deadlines, and a saturated one does not fire before
     * SBT_MAX.
     */
    @Test
    void clockNearSbtMax_lastBucketDeadlines_fireExactlyAndSaturatedWaits() {
        try (Run run = new Run(13, 8192, SBT_MAX - 2 * SBT_1S, 0, true)) {
            run.exec(new Op(Kind.ARM, 0, SBT_MAX - SBT_1S, C_ABSOLUTE, 0));
            run.exec(new Op(Kind.ARM, 1, SBT_MAX - (BUCKET / 2), C_ABSOLUTE, 0)); // inside the last bucket
            run.exec(new Op(Kind.ARM, 2, SBT_MAX - 1000, C_ABSOLUTE, 0));
            run.exec(new Op(Kind.ARM, 3, Long.MAX_VALUE, EXACT, 0)); // saturates to SBT_MAX
            run.exec(new Op(Kind.ADVANCE, 0, SBT_1S + SBT_1S / 2, 0, 0));
            run.exec(new Op(Kind.ADVANCE, 0, SBT_1S / 2 - 2, 0, 0)); // to SBT_MAX - 1
            assertTrue(run.cs[3].pending(), run.where("saturated callout must not fire before SBT_MAX"));
            run.finish();
        }
    }

    /**
     * {@code callout_reset(c, n)} with its default precision keeps working while {@code ticks} wraps
     * from Integer.MAX_VALUE to negative: c_time is hardclocktime + n * tick_sbt (SPEC §4.3 with
     * C_HARDCLOCK), precision (n * tick_sbt) >> 4, the handler runs once inside that window, and ticks
     * has advanced by exactly n (by subtraction) when it runs.
     */
    @Test
    void tickReset_acrossTicksWrap_firesOnceAfterNTicks() {
        long start = 5 * SBT_1S + 12345;
        VirtualTicklessClock vt = new VirtualTicklessClock(start, Integer.MAX_VALUE - 5);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).hz(HZ).failureHook((c, t) -> failures.add(t)).build()) {
            assertEquals(Integer.MAX_VALUE - 5, sys.ticks());
            Callout c = new Callout();
            sys.init(c, true);
            long[] fired = new long[3]; // count, time, ticks
            CalloutFunc<long[]> h = a -> {
                a[0]++;
                a[1] = vt.now();
                a[2] = sys.ticks();
            };
            SplittableRandom r = new SplittableRandom(17);
            boolean sawNegative = false;
            for (int round = 0; round < 60; round++) {
                int n = round < 12 ? 1 + round % 4 : 1 + r.nextInt(40);
                vt.advance(r.nextLong(TICK)); // anywhere inside a tick slot
                long now = vt.now();
                long hc = now - Math.floorMod(now, TICK);
                int ticksAtArm = sys.ticks();
                String where = "round " + round + " n=" + n + " now=" + now + " ticks=" + ticksAtArm;
                assertEquals(Integer.MAX_VALUE - 5 + (int) ((hc - (start - Math.floorMod(start, TICK))) / TICK),
                        ticksAtArm, where + ": ticks");
                assertEquals(hc, sys.hardclocktime(0), where + ": hardclocktime");
                fired[0] = 0;
                assertEquals(0, sys.reset(c, n, h, fired), where + ": reset of an idle callout");
                long time = hc + n * TICK;
                long prec = (n * TICK) >> 4;
                assertEquals(time, c.time(), where + ": c_time = hardclocktime + n * tick_sbt");
                assertEquals(prec, c.precision(), where + ": precision = n * tick_sbt >> tc_precexp");
                for (int k = 0; k < n + 3 && fired[0] == 0; k++) {
                    vt.advanceTicks(1);
                }
                assertEquals(1, fired[0], where + ": fired once");
                assertTrue(fired[1] >= time && fired[1] <= time + prec,
                        where + ": fired at " + fired[1] + ", window [" + time + ", " + (time + prec) + "]");
                int elapsed = (int) fired[2] - ticksAtArm; // by subtraction: survives the wrap
                assertTrue(elapsed >= n && elapsed <= n + prec / TICK, where + ": ticks advanced by " + elapsed);
                sawNegative |= fired[2] < 0;
            }
            assertTrue(sawNegative, "ticks never wrapped to negative: " + sys.ticks());
            assertTrue(failures.isEmpty(), () -> "handler failures: " + failures);
        }
    }

    /* ------------------------------------------------------------------------------------------ */
    /* Random driver                                                                              */

    static void runRandom(long seed, int size, Start start, int steps) {
        try (Run run = new Run(seed, size, start.time, start.ticks)) {
            run.label = "start=" + start;
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + size * 31L + start.ordinal());
            for (int i = 0; i < steps; i++) {
                run.exec(generate(r, run.model));
            }
            run.finish();
            if (start == Start.TICKS_WRAP) {
                assertTrue(run.sawNegativeTicks, run.where("ticks never wrapped to negative"));
            }
        }
    }

    /** The operations of one step; values are concrete so that a failing sequence can be replayed. */
    enum Kind { ARM, SCHEDULE, STOP, DRAIN, DEACTIVATE, REINIT, ADVANCE }

    /**
     * One step. ARM/SCHEDULE: {@code value} is the sbt argument, {@code flags} the scheduling flags;
     * ADVANCE: {@code value} is the delta; {@code func} picks handler A (0) or B (1).
     */
    record Op(Kind kind, int id, long value, int flags, int func) {
        @Override
        public String toString() {
            switch (kind) {
                case ARM:
                    return "resetSbt(c" + id + ", " + value + ", 0, " + (func == 0 ? "A" : "B") + ", " + flagsName(flags) + ")";
                case SCHEDULE:
                    return "scheduleSbt(c" + id + ", " + value + ", 0, " + flagsName(flags) + ")";
                case ADVANCE:
                    return "advance(" + value + ")";
                default:
                    return kind.name().toLowerCase() + "(c" + id + ")";
            }
        }
    }

    static String flagsName(int flags) {
        if (flags == C_ABSOLUTE) {
            return "C_ABSOLUTE";
        }
        if (flags == EXACT) {
            return "C_PREL(63)";
        }
        if (flags == (C_HARDCLOCK | EXACT)) {
            return "C_HARDCLOCK|C_PREL(63)";
        }
        return "0x" + Integer.toHexString(flags);
    }

    static Op generate(SplittableRandom r, Model m) {
        int p = r.nextInt(100);
        int id = r.nextInt(POOL);
        int func = r.nextInt(2);
        if (p < 22) {
            return new Op(Kind.ARM, id, absoluteDeadline(r, m), C_ABSOLUTE, func);
        } else if (p < 32) {
            return new Op(Kind.ARM, id, relativeSbt(r, m), EXACT, func);
        } else if (p < 38) {
            return new Op(Kind.ARM, id, tickCount(r) * TICK, C_HARDCLOCK | EXACT, func);
        } else if (p < 45) {
            int mode = r.nextInt(3);
            long v = mode == 0 ? absoluteDeadline(r, m) : mode == 1 ? relativeSbt(r, m) : tickCount(r) * TICK;
            int f = mode == 0 ? C_ABSOLUTE : mode == 1 ? EXACT : C_HARDCLOCK | EXACT;
            return new Op(Kind.SCHEDULE, id, v, f, 0);
        } else if (p < 54) {
            return new Op(Kind.STOP, id, 0, 0, 0);
        } else if (p < 60) {
            return new Op(Kind.DRAIN, id, 0, 0, 0);
        } else if (p < 62) {
            return new Op(Kind.DEACTIVATE, id, 0, 0, 0);
        } else if (p < 64) {
            return new Op(Kind.REINIT, id, 0, 0, 0);
        }
        return new Op(Kind.ADVANCE, 0, advanceDelta(r, m), 0, 0);
    }

    static long absoluteDeadline(SplittableRandom r, Model m) {
        long now = m.now;
        long rev = m.revolution();
        switch (r.nextInt(12)) {
            case 0:
                return now;
            case 1:
                return now + 1 + r.nextInt(1000); // tiny
            case 2:
                return now + r.nextLong(BUCKET); // within a bucket
            case 3:
                return now + r.nextLong(64 * BUCKET); // across buckets
            case 4:
                return now + Math.max(0, rev + r.nextLong(-2 * BUCKET, 2 * BUCKET)); // about one revolution
            case 5:
                return now + (2 + r.nextInt(4)) * rev + r.nextLong(rev); // several revolutions
            case 6:
                return Math.max(0, now - r.nextLong(1, 4 * BUCKET)); // in the past
            case 7:
                return now + r.nextLong(2 * SBT_1S);
            case 8:
            case 9: {
                // A tie with a pending deadline (FIFO for equal deadlines, SPEC decision 4).
                long tie = m.randomPendingTime(r);
                return tie >= 0 ? tie : now + r.nextLong(4 * BUCKET);
            }
            case 10:
                return r.nextBoolean() ? SBT_MAX - r.nextLong(1000) : SBT_MAX; // far: near the end of time
            default:
                return r.nextBoolean() ? -1 - r.nextLong(1000) : 0; // absolute times before boot
        }
    }

    static long relativeSbt(SplittableRandom r, Model m) {
        long rev = m.revolution();
        switch (r.nextInt(9)) {
            case 0:
                return 0;
            case 1:
                return 1 + r.nextInt(1000);
            case 2:
                return r.nextLong(BUCKET);
            case 3:
                return r.nextLong(64 * BUCKET); // straddles the tick threshold (16 ms)
            case 4:
                return Math.max(0, rev + r.nextLong(-2 * BUCKET, 2 * BUCKET));
            case 5:
                return (2 + r.nextInt(4)) * rev + r.nextLong(rev);
            case 6:
                return -r.nextLong(1, 4 * BUCKET); // negative: lands in the past
            case 7:
                return Long.MAX_VALUE - r.nextLong(m.now + 1); // overflows: saturates at SBT_MAX
            default:
                return TICK_THRESHOLD + r.nextLong(-2, 3); // the threshold's edge
        }
    }

    static int tickCount(SplittableRandom r) {
        int p = r.nextInt(10);
        return p == 0 ? r.nextInt(-2, 1) : p == 1 ? 100 + r.nextInt(100_000) : 1 + r.nextInt(40);
    }

    static long advanceDelta(SplittableRandom r, Model m) {
        long rev = m.revolution();
        switch (r.nextInt(10)) {
            case 0:
                return 0;
            case 1:
                return 1 + r.nextInt(1000);
            case 2:
                return r.nextLong(BUCKET);
            case 3:
                return r.nextLong(BUCKET, 64 * BUCKET);
            case 4:
                return Math.max(0, rev + r.nextLong(-2 * BUCKET, 2 * BUCKET));
            case 5:
                return (2 + r.nextInt(6)) * rev + r.nextLong(rev);
            case 6:
            case 7: {
                // Exactly to (or just before) the next deadline, if it is within reach.
                long next = m.nextDeadline();
                if (next >= m.now && next - m.now <= 600 * SBT_1S) {
                    return next - m.now - (r.nextBoolean() ? 0 : Math.min(1, next - m.now));
                }
                return r.nextLong(8 * BUCKET);
            }
            default:
                return r.nextLong(SBT_1S);
        }
    }

    /* ------------------------------------------------------------------------------------------ */
    /* Handler actions, decided by (seed, callout, fire number) so both sides replay them         */

    enum AKind {
        NONE, REARM_SELF, REARM_SELF_TWICE, REARM_THEN_STOP_SELF, STOP_SELF, DRAIN_SELF, DEACTIVATE_SELF,
        SCHEDULE_SELF, ARM_OTHER, SCHEDULE_OTHER, STOP_OTHER, DRAIN_OTHER
    }

    /**
     * What a handler does. {@code mode}: 0 absolute (sbt = now + delta), 1 relative with C_PREL(63)
     * (sbt = delta), 2 C_HARDCLOCK|C_PREL(63) (sbt = delta ticks).
     */
    record Action(AKind kind, int target, int mode, long delta, int func) {
        static final Action NOTHING = new Action(AKind.NONE, 0, 0, 0, 0);

        static Action decode(long seed, int id, int fireNo, long rev) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (id + 1) * 0xBF58476D1CE4E5B9L
                    ^ (long) fireNo * 0x94D049BB133111EBL);
            int p = r.nextInt(100);
            int target = r.nextInt(POOL);
            int mode = r.nextInt(3);
            int func = r.nextInt(2);
            long delta;
            if (mode == 2) {
                delta = r.nextInt(-1, 40);
            } else {
                switch (r.nextInt(8)) {
                    case 0: delta = mode == 0 ? -r.nextLong(1, 3 * BUCKET) : 0; break; // now again
                    case 1: delta = 1; break;
                    case 2: delta = 1 + r.nextInt(1000); break;
                    case 3: delta = BUCKET; break; // many handlers pick the same: ties
                    case 4: delta = r.nextLong(BUCKET); break;
                    case 5: delta = r.nextLong(16 * BUCKET); break;
                    case 6: delta = r.nextLong(1, 3 * rev); break;
                    default: delta = 2 * BUCKET; break;
                }
            }
            AKind k;
            if (p < 40) {
                k = AKind.NONE;
            } else if (p < 52) {
                k = AKind.REARM_SELF;
            } else if (p < 55) {
                k = AKind.REARM_SELF_TWICE;
            } else if (p < 58) {
                k = AKind.REARM_THEN_STOP_SELF;
            } else if (p < 62) {
                k = AKind.STOP_SELF;
            } else if (p < 64) {
                k = AKind.DRAIN_SELF;
            } else if (p < 66) {
                k = AKind.DEACTIVATE_SELF;
            } else if (p < 68) {
                k = AKind.SCHEDULE_SELF;
            } else if (p < 80) {
                k = AKind.ARM_OTHER;
            } else if (p < 84) {
                k = AKind.SCHEDULE_OTHER;
            } else if (p < 92) {
                k = AKind.STOP_OTHER;
            } else if (p < 97) {
                k = AKind.DRAIN_OTHER;
            } else {
                k = AKind.NONE;
            }
            return new Action(k, target, mode, delta, func);
        }

        long sbt(long now) {
            return mode == 0 ? now + delta : mode == 1 ? delta : delta * TICK;
        }

        int flags() {
            return mode == 0 ? C_ABSOLUTE : mode == 1 ? EXACT : C_HARDCLOCK | EXACT;
        }
    }

    /**
     * One handler invocation as observed (engine) or predicted (model): which callout, when, which
     * handler function and argument, the lastscan and flags seen on entry, what it did and the
     * return values it got.
     */
    record Fire(int id, long time, int func, int argId, long lastscan, boolean pendingAtEntry, boolean activeAtEntry,
                Action action, List<Integer> results) {
    }

    /* ------------------------------------------------------------------------------------------ */
    /* The reference model                                                                        */

    /** Sort key of the pending map: deadline, then arm order. */
    record Key(long time, long seq) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Long.compare(time, o.time); // times are in [0, SBT_MAX] after the clamp
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    static final class MCallout {
        boolean pending;
        boolean active;
        int func = -1; // -1: never armed since init (callout_schedule refuses)
        long time;
        long seq;
        int fires;
    }

    /** The naive reference: a sorted map of pending callouts and the SPEC's rules, nothing else. */
    static final class Model {
        final long seed;
        final int size;
        final long startTime;
        final int ticksAtStart;
        final MCallout[] cs = new MCallout[POOL];
        final TreeMap<Key, Integer> pending = new TreeMap<>();
        final List<Fire> log = new ArrayList<>();
        long now;
        long seqGen;
        /** The time of the most recent scan the model knows happened (a firing). */
        long lastKnownScan = -1;
        int executing = -1;
        /** Handlers only record their invocation (for hand-written sequences). */
        boolean quiet;

        Model(long seed, int size, long start, int ticksAtStart) {
            this.seed = seed;
            this.size = size;
            this.startTime = start;
            this.ticksAtStart = ticksAtStart;
            this.now = start;
            for (int i = 0; i < POOL; i++) {
                cs[i] = new MCallout();
            }
        }

        long revolution() {
            return (long) size << 24;
        }

        static long hardclock(long t) {
            return t - Math.floorMod(t, TICK);
        }

        int ticks() {
            long startSlot = hardclock(startTime);
            return (int) (ticksAtStart + (hardclock(now) - startSlot) / TICK);
        }

        static long saturatingAdd(long a, long b) {
            long r = a + b;
            if (((a ^ r) & (b ^ r)) < 0) {
                return a > 0 ? SBT_MAX : Long.MIN_VALUE;
            }
            return r;
        }

        /** callout_when's time (SPEC §4.3) for the flag sets used here. */
        long whenTime(long sbt, int flags, long t) {
            if ((flags & C_ABSOLUTE) != 0) {
                return sbt;
            }
            boolean hardclock = (flags & C_HARDCLOCK) != 0;
            if (hardclock && sbt < TICK) {
                sbt = TICK;
            }
            long base;
            if (hardclock || sbt >= TICK_THRESHOLD) {
                base = hardclock(t);
                if (base == 0) {
                    base = t; // early boot
                }
                if (!hardclock) {
                    base += TICK;
                }
            } else {
                base = t;
            }
            return saturatingAdd(base, sbt);
        }

        long nextDeadline() {
            return pending.isEmpty() ? -1 : pending.firstKey().time;
        }

        long randomPendingTime(SplittableRandom r) {
            if (pending.isEmpty()) {
                return -1;
            }
            int k = r.nextInt(pending.size());
            for (Key key : pending.keySet()) {
                if (k-- == 0) {
                    return key.time;
                }
            }
            return -1;
        }

        /** callout_reset_sbt (SPEC §4.4) at time {@code t} with cc_lastscan {@code lastscan}. */
        int arm(int id, long sbt, int flags, int func, long t, long lastscan) {
            MCallout m = cs[id];
            int result = 0;
            if (m.pending) {
                pending.remove(new Key(m.time, m.seq));
                result = 1;
            }
            long time = whenTime(sbt, flags, t);
            if (time < lastscan) {
                time = lastscan;
            }
            m.pending = true;
            m.active = true;
            m.time = time;
            m.seq = ++seqGen;
            m.func = func;
            pending.put(new Key(time, m.seq), id);
            return result;
        }

        int schedule(int id, long sbt, int flags, long t, long lastscan) {
            MCallout m = cs[id];
            if (m.func < 0) {
                return ISE;
            }
            return arm(id, sbt, flags, m.func, t, lastscan);
        }

        /** MODERN callout_stop (SPEC §4.7); only the handler's own callout can be executing. */
        int stop(int id) {
            MCallout m = cs[id];
            boolean executingNow = executing == id;
            int result = 1;
            if (executingNow) {
                m.active = false;
                result = 0;
            }
            if (!m.pending) {
                return executingNow ? result : -1;
            }
            pending.remove(new Key(m.time, m.seq));
            m.pending = false;
            m.active = false;
            return result;
        }

        /** MODERN callout_drain (SPEC §4.8): as stop when not executing; from its own handler, refused. */
        int drain(int id) {
            if (executing == id) {
                return ISE;
            }
            return stop(id);
        }

        int reinit(int id) {
            MCallout m = cs[id];
            if (m.pending || executing == id) {
                return ISE;
            }
            m.active = false;
            m.func = -1;
            m.time = 0;
            return 0;
        }

        /**
         * Advances to {@code target}: scan after scan, each at the earliest pending deadline (or now
         * for deadlines already past), until the next deadline is beyond the target.
         */
        void advance(long target, long lastscanBefore) {
            boolean first = true;
            while (!pending.isEmpty()) {
                Key k = pending.firstKey();
                if (k.time > target) {
                    break;
                }
                long t = Math.max(k.time, now);
                now = t;
                long from = first ? lastscanBefore : t;
                List<long[]> due = new ArrayList<>(); // {id, seq, time}
                for (Map.Entry<Key, Integer> e : pending.headMap(new Key(t, Long.MAX_VALUE), false).entrySet()) {
                    due.add(new long[] {e.getValue(), e.getKey().seq, e.getKey().time});
                    if (!first && e.getKey().time != t) {
                        throw new AssertionError("model invariant: a later scan at " + t + " found " + e.getKey());
                    }
                }
                int fromBucket = (int) (from >> 24);
                int mask = size - 1;
                due.sort(Comparator.<long[]>comparingInt(d -> ((int) (d[2] >> 24) - fromBucket) & mask)
                        .thenComparingLong(d -> d[1]));
                lastKnownScan = t;
                for (long[] d : due) {
                    MCallout m = cs[(int) d[0]];
                    if (m.pending && m.seq == d[1]) { // a handler earlier in this scan may have moved it
                        fire((int) d[0], t);
                    }
                }
                first = false;
            }
            now = target;
        }

        private void fire(int id, long t) {
            MCallout m = cs[id];
            pending.remove(new Key(m.time, m.seq));
            m.pending = false;
            m.fires++;
            int func = m.func;
            boolean activeAtEntry = m.active;
            Action a = quiet ? Action.NOTHING : Action.decode(seed, id, m.fires, revolution());
            executing = id;
            List<Integer> results = new ArrayList<>(2);
            // Inside a handler cc_lastscan is the time of the scan that expired it.
            switch (a.kind()) {
                case NONE:
                    break;
                case REARM_SELF:
                    results.add(arm(id, a.sbt(t), a.flags(), a.func(), t, t));
                    break;
                case REARM_SELF_TWICE:
                    results.add(arm(id, a.sbt(t), a.flags(), a.func(), t, t));
                    results.add(arm(id, a.sbt(t) + 1, a.flags(), 1 - a.func(), t, t));
                    break;
                case REARM_THEN_STOP_SELF:
                    results.add(arm(id, a.sbt(t), a.flags(), a.func(), t, t));
                    results.add(stop(id));
                    break;
                case STOP_SELF:
                    results.add(stop(id));
                    break;
                case DRAIN_SELF:
                    results.add(drain(id));
                    break;
                case DEACTIVATE_SELF:
                    m.active = false;
                    break;
                case SCHEDULE_SELF:
                    results.add(schedule(id, a.sbt(t), a.flags(), t, t));
                    break;
                case ARM_OTHER:
                    results.add(arm(a.target(), a.sbt(t), a.flags(), a.func(), t, t));
                    break;
                case SCHEDULE_OTHER:
                    results.add(schedule(a.target(), a.sbt(t), a.flags(), t, t));
                    break;
                case STOP_OTHER:
                    results.add(stop(a.target()));
                    break;
                case DRAIN_OTHER:
                    results.add(drain(a.target()));
                    break;
                default:
                    throw new AssertionError(a);
            }
            executing = -1;
            log.add(new Fire(id, t, func, id, t, false, activeAtEntry, a, results));
        }
    }

    /* ------------------------------------------------------------------------------------------ */
    /* The engine side and the comparison                                                         */

    /** The handler's argument: which callout, and the run that records what happens. */
    static final class Ctx {
        final int id;
        final Run run;
        int fires;

        Ctx(int id, Run run) {
            this.id = id;
            this.run = run;
        }
    }

    static final CalloutFunc<Ctx> HANDLER_A = ctx -> ctx.run.onFire(ctx, 0);
    static final CalloutFunc<Ctx> HANDLER_B = ctx -> ctx.run.onFire(ctx, 1);

    static CalloutFunc<Ctx> handler(int func) {
        return func == 0 ? HANDLER_A : HANDLER_B;
    }

    /** One engine, one model, and the step-by-step comparison. */
    static final class Run implements AutoCloseable {
        final long seed;
        final int size;
        final long startTime;
        final VirtualTicklessClock vt;
        final CalloutWheel sys;
        final Callout[] cs = new Callout[POOL];
        final Ctx[] ctx = new Ctx[POOL];
        final Model model;
        final List<Fire> log = new ArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final ArrayDeque<String> trace = new ArrayDeque<>();
        /** Every step so far, with concrete values: enough to replay or minimise a failure. */
        final List<Op> history = new ArrayList<>();
        /** Handlers only record their invocation (for hand-written sequences). */
        boolean quiet;
        String label = "";
        int step;
        int compared;
        long lastscanSeen;
        boolean sawNegativeTicks;

        Run(long seed, int size, long start, int ticksAtStart) {
            this(seed, size, start, ticksAtStart, false);
        }

        Run(long seed, int size, long start, int ticksAtStart, boolean quiet) {
            this.quiet = quiet;
            this.seed = seed;
            this.size = size;
            this.startTime = start;
            this.vt = new VirtualTicklessClock(start, ticksAtStart);
            this.sys = CalloutWheel.builder().clock(vt).hz(HZ).callwheelSize(size)
                    .failureHook((c, t) -> failures.add(t)).build();
            this.model = new Model(seed, size, start, ticksAtStart);
            this.model.quiet = quiet;
            for (int i = 0; i < POOL; i++) {
                cs[i] = new Callout();
                sys.init(cs[i], true);
                ctx[i] = new Ctx(i, this);
            }
            label = "start=" + start;
            this.lastscanSeen = WheelProbe.of(sys).lastscan(0);
            assertEquals(TICK_THRESHOLD, sys.tickThreshold(), "tick threshold");
        }

        String where(String what) {
            StringBuilder sb = new StringBuilder();
            sb.append("seed=").append(seed).append(" size=").append(size).append(' ').append(label)
                    .append(" step=").append(step).append(" now=").append(vt.now())
                    .append(" (").append(Sbt.format(vt.now())).append("): ").append(what)
                    .append("\n  recent steps (oldest first):");
            for (String s : trace) {
                sb.append("\n    ").append(s);
            }
            return sb.toString();
        }

        /** Applies one step to the engine and the model, then compares everything. */
        void exec(Op op) {
            history.add(op);
            step++;
            trace.addLast("#" + step + " " + op);
            if (trace.size() > 14) {
                trace.removeFirst();
            }
            long now = vt.now();
            long lastscan = WheelProbe.of(sys).lastscan(0);
            int got;
            try {
                got = applyToEngine(op, now);
            } catch (RuntimeException e) {
                throw new AssertionError(where(op + " threw " + e), e);
            }
            int want = applyToModel(op, now, lastscan);
            trace.removeLast();
            trace.addLast("#" + step + " " + op + " -> " + got);
            if (got != want) {
                throw new AssertionError(where(op + " returned " + got + ", SPEC/model expects " + want));
            }
            compare();
        }

        private int applyToEngine(Op op, long now) {
            Callout c = cs[op.id()];
            switch (op.kind()) {
                case ARM:
                    return sys.resetSbt(c, op.value(), 0, handler(op.func()), ctx[op.id()], op.flags());
                case SCHEDULE:
                    return call(() -> sys.scheduleSbt(c, op.value(), 0, op.flags()));
                case STOP:
                    return sys.stop(c);
                case DRAIN:
                    return sys.drain(c);
                case DEACTIVATE:
                    c.deactivate();
                    return 0;
                case REINIT:
                    return call(() -> {
                        sys.init(c, true);
                        return 0;
                    });
                case ADVANCE:
                    vt.advanceTo(now + op.value());
                    return 0;
                default:
                    throw new AssertionError(op);
            }
        }

        private int applyToModel(Op op, long now, long lastscan) {
            switch (op.kind()) {
                case ARM:
                    return model.arm(op.id(), op.value(), op.flags(), op.func(), now, lastscan);
                case SCHEDULE:
                    return model.schedule(op.id(), op.value(), op.flags(), now, lastscan);
                case STOP:
                    return model.stop(op.id());
                case DRAIN:
                    return model.drain(op.id());
                case DEACTIVATE:
                    model.cs[op.id()].active = false;
                    return 0;
                case REINIT:
                    return model.reinit(op.id());
                case ADVANCE:
                    model.advance(now + op.value(), lastscan);
                    return 0;
                default:
                    throw new AssertionError(op);
            }
        }

        interface IntCall {
            int call();
        }

        static int call(IntCall f) {
            try {
                return f.call();
            } catch (IllegalStateException e) {
                return ISE;
            }
        }

        /** Engine-side handler body. */
        void onFire(Ctx x, int func) {
            try {
                int id = x.id;
                long t = vt.now();
                long lastscan = WheelProbe.of(sys).lastscan(0);
                Callout self = cs[id];
                boolean pendingAtEntry = self.pending();
                boolean activeAtEntry = self.active();
                x.fires++;
                Action a = quiet ? Action.NOTHING : Action.decode(seed, id, x.fires, (long) size << 24);
                List<Integer> results = new ArrayList<>(2);
                Callout other = cs[a.target()];
                switch (a.kind()) {
                    case NONE:
                        break;
                    case REARM_SELF:
                        results.add(sys.resetSbt(self, a.sbt(t), 0, handler(a.func()), x, a.flags()));
                        break;
                    case REARM_SELF_TWICE:
                        results.add(sys.resetSbt(self, a.sbt(t), 0, handler(a.func()), x, a.flags()));
                        results.add(sys.resetSbt(self, a.sbt(t) + 1, 0, handler(1 - a.func()), x, a.flags()));
                        break;
                    case REARM_THEN_STOP_SELF:
                        results.add(sys.resetSbt(self, a.sbt(t), 0, handler(a.func()), x, a.flags()));
                        results.add(sys.stop(self));
                        break;
                    case STOP_SELF:
                        results.add(sys.stop(self));
                        break;
                    case DRAIN_SELF:
                        results.add(call(() -> sys.drain(self)));
                        break;
                    case DEACTIVATE_SELF:
                        self.deactivate();
                        break;
                    case SCHEDULE_SELF:
                        results.add(call(() -> sys.scheduleSbt(self, a.sbt(t), 0, a.flags())));
                        break;
                    case ARM_OTHER:
                        results.add(sys.resetSbt(other, a.sbt(t), 0, handler(a.func()), ctx[a.target()], a.flags()));
                        break;
                    case SCHEDULE_OTHER:
                        results.add(call(() -> sys.scheduleSbt(other, a.sbt(t), 0, a.flags())));
                        break;
                    case STOP_OTHER:
                        results.add(sys.stop(other));
                        break;
                    case DRAIN_OTHER:
                        results.add(call(() -> sys.drain(other)));
                        break;
                    default:
                        throw new AssertionError(a);
                }
                log.add(new Fire(id, t, func, x.id, lastscan, pendingAtEntry, activeAtEntry, a, results));
            } catch (Throwable t) {
                failures.add(t);
            }
        }

        /** Compares the engine with the model after a step. */
        void compare() {
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError(where("a handler or the harness threw"), failures.get(0));
                throw e;
            }
            // The firing log: order, time, handler, argument, what each handler got back.
            int n = Math.max(log.size(), model.log.size());
            for (int i = compared; i < n; i++) {
                Fire got = i < log.size() ? log.get(i) : null;
                Fire want = i < model.log.size() ? model.log.get(i) : null;
                if (got == null || want == null || !got.equals(want)) {
                    StringBuilder sb = new StringBuilder("firing #" + i + " differs");
                    sb.append("\n  engine fired: ");
                    appendFires(sb, log, i);
                    sb.append("\n  model expects: ");
                    appendFires(sb, model.log, i);
                    throw new AssertionError(where(sb.toString()));
                }
            }
            compared = n;
            assertEquals(model.now, vt.now(), () -> where("virtual time"));
            // Per-callout flags and times.
            int npending = 0;
            for (int i = 0; i < POOL; i++) {
                Callout c = cs[i];
                MCallout m = model.cs[i];
                if (c.pending() != m.pending || c.active() != m.active) {
                    throw new AssertionError(where("c" + i + ": engine pending=" + c.pending() + " active=" + c.active()
                            + ", model pending=" + m.pending + " active=" + m.active
                            + (m.pending ? " (model time " + m.time + ")" : "") + "; engine " + c));
                }
                if (m.pending) {
                    npending++;
                    if (c.time() != m.time || c.precision() != 0) {
                        throw new AssertionError(where("c" + i + ": engine time=" + c.time() + " precision=" + c.precision()
                                + ", model time=" + m.time + " precision=0"));
                    }
                    int b = (int) ((m.time >> 24) & (size - 1));
                    if (!WheelProbe.of(sys).inBucket(c, b)) {
                        throw new AssertionError(where("c" + i + " (time " + m.time + ") is not in bucket " + b));
                    }
                }
            }
            assertEquals(npending, WheelProbe.of(sys).pendingCount(0), () -> where("pendingCount"));
            // cc_lastscan: an input to the model, but bounded by what the model knows.
            long ls = WheelProbe.of(sys).lastscan(0);
            if (ls > vt.now() || ls < lastscanSeen || ls < model.lastKnownScan) {
                throw new AssertionError(where("lastscan " + ls + " outside [max(previous " + lastscanSeen
                        + ", last firing scan " + model.lastKnownScan + "), now " + vt.now() + "]"));
            }
            lastscanSeen = ls;
            int ticks = sys.ticks();
            assertEquals(model.ticks(), ticks, () -> where("ticks"));
            sawNegativeTicks |= ticks < 0;
        }

        static void appendFires(StringBuilder sb, List<Fire> fires, int from) {
            if (from >= fires.size()) {
                sb.append("(nothing)");
            }
            for (int i = from; i < Math.min(fires.size(), from + 4); i++) {
                sb.append("\n    #").append(i).append(' ').append(fires.get(i));
            }
        }

        /** The last comparison of a sequence (the same as after every step). */
        void finish() {
            compare();
        }

        @Override
        public void close() {
            sys.close();
        }
    }
}
