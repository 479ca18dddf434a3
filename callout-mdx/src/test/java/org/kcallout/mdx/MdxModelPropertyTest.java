package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.mdx.MdxCallouts.MDX_ERROR;
import static org.kcallout.mdx.MdxCallouts.MDX_OK;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kcallout.CalloutFunc;

/**
 * Seeded random sequences of set, cancel, advance (and, in one shape, late interrupts) run on the
 * framework over a {@link SimulatedMiTimer} and on a naive model: a callout armed at count
 * {@code t} for {@code n > 0} ticks has the deadline {@code t + n} (on an unwrapped time line) and
 * must fire exactly once, exactly then, on the CPU that armed it, in deadline order with equal
 * deadlines FIFO, unless cancelled first; a late interrupt fires it at the interrupt. Handlers re-arm
 * callouts with the {@code _locked} setter. The shapes cover counter wraps (16 and 32 bits, and a
 * counter that is not a power of two), delays several times {@code maxcnt}, and several CPUs.
 * A failure names the shape and the seed; {@code -Dmdx.seed=N} runs one seed.
 */
final class MdxModelPropertyTest {
    private static final int SEEDS = 30;
    private static final int STEPS = 500;
    private static final int SLOTS = 10;

    /**
     * A test shape.
     *
     * @param name         for the failure message
     * @param ncpu         CPUs
     * @param maxcnt       the counter's largest value
     * @param initialCount where the counter starts
     * @param maxTicks     the longest delay armed
     * @param maxAdvance   the longest single advance
     * @param late         whether interrupts are sometimes masked (delivered late)
     */
    record Shape(String name, int ncpu, long maxcnt, long initialCount, long maxTicks, long maxAdvance,
            boolean late) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Shape> shapes() {
        return Stream.of(
                new Shape("16-bit, delays up to 4 periods", 1, 0xffff, 0xff00, 0x40000, 0x30000, false),
                new Shape("32-bit, starting just before the wrap", 1, 0xffff_ffffL, 0xffff_ff00L, 0xffff_ffffL,
                        0x1_8000_0000L, false),
                new Shape("3 CPUs, maxcnt 999 (not 2^n - 1)", 3, 999, 990, 3500, 2500, false),
                new Shape("2 CPUs, late interrupts", 2, 0xfff, 0xff0, 0x3ff, 1500, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void randomOps_matchNaiveModel(Shape shape) {
        String only = System.getProperty("mdx.seed");
        long first = only == null ? 0 : Long.parseLong(only);
        long last = only == null ? SEEDS : first + 1;
        for (long seed = first; seed < last; seed++) {
            try {
                new Run(shape, seed).go();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("shape \"" + shape + "\", seed " + seed + " (-Dmdx.seed=" + seed + "): "
                        + e.getMessage(), e);
            }
        }
    }

    /** One callout and its model. */
    private static final class Slot {
        static final CalloutFunc<Slot> FIRE = s -> s.run.fired(s);

        final Run run;
        final int index;
        final MdxCallout c = new MdxCallout();
        boolean active;   // model: armed and not yet fired or cancelled
        long deadline;    // model: unwrapped time it must fire at
        int cpu;          // model: the CPU that armed it
        long seq;         // model: arming order

        Slot(Run run, int index) {
            this.run = run;
            this.index = index;
        }

        @Override
        public String toString() {
            return "slot" + index + "[active=" + active + ", deadline=" + deadline + ", cpu=" + cpu + "]";
        }
    }

    private static final class Run {
        final Shape sh;
        final SplittableRandom rnd;
        final MdxCallouts mdx;
        final SimulatedMiTimer timer;
        final Slot[] slots = new Slot[SLOTS];
        final long[] lastDeadline;
        final long[] lastSeq;
        long seq;
        long armed;
        long cancelled;
        long fires;
        boolean handlersArm = true;
        long maskStart = -1;
        long unmaskAt = -1;
        Throwable handlerFailure;

        Run(Shape sh, long seed) {
            this.sh = sh;
            this.rnd = new SplittableRandom(seed * 0x9E37_79B9_7F4A_7C15L + sh.name().hashCode());
            this.mdx = new MdxCallouts(sh.ncpu());
            this.timer = new SimulatedMiTimer(mdx, sh.maxcnt(), 32768, sh.initialCount());
            assertEquals(MDX_OK, mdx.register(timer));
            mdx.failureHook((c, t) -> {
                if (handlerFailure == null) {
                    handlerFailure = t;
                }
            });
            for (int i = 0; i < SLOTS; i++) {
                slots[i] = new Slot(this, i);
            }
            lastDeadline = new long[sh.ncpu()];
            lastSeq = new long[sh.ncpu()];
            java.util.Arrays.fill(lastDeadline, Long.MIN_VALUE);
        }

        void go() {
            for (int step = 0; step < STEPS; step++) {
                int op = rnd.nextInt(100);
                if (op < 40) {
                    set();
                } else if (op < 55) {
                    cancel();
                } else {
                    advance();
                }
                check("step " + step);
            }
            // Drain: no more arming from handlers; everything left fires at its deadline.
            handlersArm = false;
            for (int i = 0; i < 8 && anyActive(); i++) {
                timer.advance(sh.maxTicks() + 1);
                check("drain");
            }
            assertFalse(anyActive(), "callouts left after draining");
            assertEquals(armed - cancelled, fires, "each armed, uncancelled callout fires exactly once");
            for (int cpu = 0; cpu < sh.ncpu(); cpu++) {
                assertTrue(mdx.queued(cpu).isEmpty());
            }
        }

        long ticks() {
            switch (rnd.nextInt(10)) {
                case 0:
                    return 0;
                case 1:
                case 2:
                    return 1 + rnd.nextLong(10);
                case 3:
                    return Math.min(sh.maxTicks(), sh.maxcnt() + rnd.nextLong(3) - 1);
                default:
                    return 1 + rnd.nextLong(sh.maxTicks());
            }
        }

        void set() {
            Slot s = slots[rnd.nextInt(SLOTS)];
            int cpu = rnd.nextInt(sh.ncpu());
            mdx.bindCurrentThread(cpu);
            long ticks = ticks();
            int r = mdx.setTicks(s.c, ticks, Slot.FIRE, s);
            expectArm(s, r, ticks, cpu);
        }

        void expectArm(Slot s, int r, long ticks, int cpu) {
            if (s.active) {
                assertEquals(MDX_ERROR, r, "re-arming an active callout");
            } else {
                assertEquals(MDX_OK, r);
                if (ticks > 0) {
                    s.active = true;
                    s.deadline = timer.time() + ticks;
                    s.cpu = cpu;
                    s.seq = seq++;
                    armed++;
                } else {
                    assertEquals(MdxCallout.CALLOUT_STATE_FIRED, s.c.state());
                }
            }
        }

        void cancel() {
            Slot s = slots[rnd.nextInt(SLOTS)];
            mdx.bindCurrentThread(rnd.nextInt(sh.ncpu())); // any CPU may cancel
            int r = mdx.cancel(s.c);
            assertEquals(s.active ? MDX_OK : 1, r, "cancel of " + s);
            if (s.active) {
                s.active = false;
                cancelled++;
            }
        }

        void advance() {
            long n = rnd.nextBoolean() ? rnd.nextLong(300) : rnd.nextLong(sh.maxAdvance() + 1);
            if (sh.late() && rnd.nextInt(4) == 0) {
                // Mask for at most maxTicks counts: a late interrupt, within one counter period.
                long window = rnd.nextLong(sh.maxTicks() + 1);
                timer.maskInterrupts();
                maskStart = timer.time();
                timer.advance(window);
                unmaskAt = timer.time();
                timer.unmaskInterrupts();
                maskStart = -1;
            } else {
                timer.advance(n);
            }
        }

        /** Called from a handler. */
        void fired(Slot s) {
            long now = timer.time();
            int cpu = mdx.curcpu();
            assertTrue(s.active, "fired while not armed: " + s + " at " + now);
            if (now != s.deadline) {
                assertTrue(sh.late() && now == unmaskAt && s.deadline < now,
                        "fired at " + now + " instead of its deadline: " + s);
            }
            assertEquals(s.cpu, cpu, "fired on the wrong CPU: " + s);
            assertTrue(s.deadline > lastDeadline[cpu] || (s.deadline == lastDeadline[cpu] && s.seq > lastSeq[cpu]),
                    "out of order on CPU " + cpu + ": " + s);
            lastDeadline[cpu] = s.deadline;
            lastSeq[cpu] = s.seq;
            assertEquals(MdxCallout.CALLOUT_STATE_FIRED, s.c.state());
            assertFalse(s.c.active());
            s.active = false;
            fires++;
            if (handlersArm && rnd.nextInt(3) == 0) {
                Slot t = slots[rnd.nextInt(SLOTS)];
                long ticks = ticks();
                expectArm(t, mdx.setTicksLocked(t.c, ticks, Slot.FIRE, t), ticks, cpu);
            }
        }

        boolean anyActive() {
            for (Slot s : slots) {
                if (s.active) {
                    return true;
                }
            }
            return false;
        }

        void check(String where) {
            if (handlerFailure != null) {
                throw new AssertionError(where + ": in a handler: " + handlerFailure.getMessage(), handlerFailure);
            }
            long now = timer.time();
            int[] perCpu = new int[sh.ncpu()];
            for (Slot s : slots) {
                assertEquals(s.active, s.c.active(), where + ": " + s);
                if (s.active) {
                    assertTrue(s.deadline > now, where + ": not fired by its deadline: " + s + ", now " + now);
                    assertEquals(s.cpu, s.c.cpuid(), where + ": " + s);
                    perCpu[s.cpu]++;
                    if (sh.ncpu() == 1) {
                        assertEquals(s.deadline - now, mdx.ticks(s.c), where + ": mdx_callout_ticks of " + s);
                    }
                }
            }
            for (int cpu = 0; cpu < sh.ncpu(); cpu++) {
                assertEquals(perCpu[cpu], mdx.queued(cpu).size(), where + ": CPU " + cpu + "'s list");
            }
        }
    }
}
