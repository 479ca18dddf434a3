package org.kcallout.mdx;

/**
 * The driver side of MDEPX's {@code struct mi_timer}: a free-running, up-counting hardware counter
 * with a compare register, which drives an {@link MdxCallouts} framework.
 *
 * <p>The counter counts from 0 to {@link #maxcnt()} and wraps to 0 by itself (a period of
 * {@code maxcnt + 1} counts); it never stops while callouts are pending. {@link #start(long)} asks
 * for one interrupt {@code ticks} counts after the <em>current</em> count, and the driver's interrupt
 * handler calls {@link MdxCallouts#callback(int)} for the CPU whose compare matched. One-shot
 * (down-counting, self-stopping) timers are not supported, as in MDEPX.
 *
 * <p>All values are C {@code uint32_t}s carried in {@code long}s: counts and ticks are in
 * {@code [0, 0xffffffff]}. {@link #count()} may return the register sign-extended (a Java
 * {@code int}); the framework masks it with {@code 0xffffffffL}.
 *
 * <p><b>Per CPU.</b> On a system of several CPUs each CPU has its own compare register (the counter
 * itself may be shared, as RISC-V's {@code mtime}). {@code start} and {@code stop} act on the
 * compare register of the CPU they are called on, which the driver learns from
 * {@link MdxCallouts#curcpu()}, the Java form of {@code PCPU_GET(cpuid)}: the framework calls them
 * only from the CPU concerned (from a set on that CPU, or from that CPU's callback).
 *
 * <p><b>{@code arg}.</b> In C every function pointer receives the driver's softc as {@code void *arg}.
 * A Java implementation is its own context ({@code this}); {@link Struct} keeps the C shape, with
 * separate function objects and an explicit {@code arg}, for code ported line by line.
 *
 * <p>The framework reads {@link #maxcnt()}, {@link #frequency()}, {@link #usecToTicks()} and
 * {@link #ticksToUsec()} once, in {@link MdxCallouts#register(MiTimer)}; it calls {@code start},
 * {@code stop} and {@code count} with one of its per-CPU locks held, so they must not block and must
 * not call back into the framework.
 */
public interface MiTimer {
    /**
     * Programs this CPU's compare register {@code ticks} counts after the current count
     * ({@code count() + ticks}, modulo the period). The driver must make sure the match is not
     * already in the past when the write lands (MDEPX's nRF driver enforces at least 3 counts).
     *
     * @param ticks counts from now, in {@code [1, maxcnt]} (the framework clamps longer delays to
     *              {@code maxcnt} and reaches them in several interrupts)
     */
    void start(long ticks);

    /** No callouts are left on this CPU: the driver may disable its compare interrupt. */
    void stop();

    /**
     * The current value of the free-running counter.
     *
     * @return the count, in {@code [0, maxcnt]} (only the low 32 bits are used)
     */
    long count();

    /**
     * The largest count, after which the counter wraps to 0; {@code 0xffffffff} for a 32-bit counter.
     *
     * @return {@code maxcnt}, in {@code [1, 0xffffffff]} ({@code 0} makes registration fail)
     */
    long maxcnt();

    /**
     * The counting frequency.
     *
     * @return counts per second, in {@code [1, 0xffffffff]} ({@code 0} makes registration fail)
     */
    long frequency();

    /**
     * The driver's microseconds-to-ticks converter, or {@code null} (the default) for the built-in
     * one: {@link MdxCputime#usecToTicks1mhz} at 1 MHz, else {@link MdxCputime#usecToTicks}.
     *
     * @return the converter or {@code null}
     */
    default Converter usecToTicks() {
        return null;
    }

    /**
     * The driver's ticks-to-microseconds converter, or {@code null} (the default). At 1 MHz with no
     * driver converters the built-in identity is used; at any other frequency there is no built-in
     * one, as in MDEPX, and {@link MdxCallouts#ticksToUsec(long)} throws.
     *
     * @return the converter or {@code null}
     */
    default Converter ticksToUsec() {
        return null;
    }

    /**
     * {@code uint32_t (*)(uint32_t freq, uint32_t value)}: a conversion between microseconds and
     * ticks at a given frequency.
     */
    @FunctionalInterface
    interface Converter {
        /**
         * Converts.
         *
         * @param frequency the timer's frequency in Hz
         * @param value     microseconds or ticks, in {@code [0, 0xffffffff]}
         * @return the converted value, in {@code [0, 0xffffffff]}
         * @throws IllegalArgumentException if the result does not fit in 32 bits
         */
        long convert(long frequency, long value);
    }

    /**
     * {@code void (*start)(void *arg, uint32_t ticks)}.
     *
     * @param <A> the softc type
     */
    @FunctionalInterface
    interface StartFn<A> {
        /**
         * See {@link MiTimer#start(long)}.
         *
         * @param arg   the softc
         * @param ticks counts from now
         */
        void start(A arg, long ticks);
    }

    /**
     * {@code void (*stop)(void *arg)}.
     *
     * @param <A> the softc type
     */
    @FunctionalInterface
    interface StopFn<A> {
        /**
         * See {@link MiTimer#stop()}.
         *
         * @param arg the softc
         */
        void stop(A arg);
    }

    /**
     * {@code uint32_t (*count)(void *arg)}.
     *
     * @param <A> the softc type
     */
    @FunctionalInterface
    interface CountFn<A> {
        /**
         * See {@link MiTimer#count()}.
         *
         * @param arg the softc
         * @return the current count
         */
        long count(A arg);
    }

    /**
     * A {@link Struct} with the given members and no converters.
     *
     * @param arg       the softc passed to each function
     * @param start     {@code start}
     * @param stop      {@code stop}
     * @param count     {@code count}
     * @param maxcnt    the counter's largest value
     * @param frequency counts per second
     * @param <A>       the softc type
     * @return a new struct
     */
    static <A> Struct<A> of(A arg, StartFn<A> start, StopFn<A> stop, CountFn<A> count, long maxcnt,
            long frequency) {
        Struct<A> mt = new Struct<>();
        mt.arg = arg;
        mt.start = start;
        mt.stop = stop;
        mt.count = count;
        mt.maxcnt = maxcnt;
        mt.frequency = frequency;
        return mt;
    }

    /**
     * {@code struct mi_timer} in its C shape: function members, any of which may be left
     * {@code null} (then {@link MdxCallouts#register(MiTimer)} refuses the timer with
     * {@code MDX_ERROR}, as MDEPX does), and an explicit {@code arg}.
     *
     * <p>The framework-owned members of the C struct ({@code count_saved[]}, {@code state[]}) are
     * not here: they live in the framework, readable through {@link MdxCallouts#countSaved(int)} and
     * {@link MdxCallouts#timerState(int)}. Fill the fields before registering; the framework reads
     * {@code maxcnt}, {@code frequency} and the converters once, at registration.
     *
     * @param <A> the softc type ({@code void *arg})
     */
    final class Struct<A> implements MiTimer {
        /** {@code start}; required. */
        public StartFn<A> start;
        /** {@code stop}; required. */
        public StopFn<A> stop;
        /** {@code count}; required. */
        public CountFn<A> count;
        /** {@code arg}: passed to every function. */
        public A arg;
        /** {@code maxcnt}; required non-zero. */
        public long maxcnt;
        /** {@code frequency} in Hz; required non-zero. */
        public long frequency;
        /** {@code usec_to_ticks}; optional. */
        public Converter usec_to_ticks;
        /** {@code ticks_to_usec}; optional. */
        public Converter ticks_to_usec;

        /** An empty struct, all members zero or null (as a static C struct). */
        public Struct() {
        }

        /** True if a required function member is missing: registration then fails. */
        boolean missingFunction() {
            return start == null || stop == null || count == null;
        }

        /**
         * Calls {@code start(arg, ticks)}.
         *
         * @throws IllegalStateException if {@code start} is null (a NULL function pointer)
         */
        @Override
        public void start(long ticks) {
            StartFn<A> f = start;
            if (f == null) {
                throw missing("start");
            }
            f.start(arg, ticks);
        }

        /**
         * Calls {@code stop(arg)}.
         *
         * @throws IllegalStateException if {@code stop} is null (a NULL function pointer)
         */
        @Override
        public void stop() {
            StopFn<A> f = stop;
            if (f == null) {
                throw missing("stop");
            }
            f.stop(arg);
        }

        /**
         * Calls {@code count(arg)}.
         *
         * @throws IllegalStateException if {@code count} is null (a NULL function pointer)
         */
        @Override
        public long count() {
            CountFn<A> f = count;
            if (f == null) {
                throw missing("count");
            }
            return f.count(arg);
        }

        private static IllegalStateException missing(String member) {
            return new IllegalStateException("mi_timer " + member + ": the struct's " + member + " member is NULL "
                    + "(fill it before use; mdx_callout_register refuses such a struct with MDX_ERROR)");
        }

        @Override
        public long maxcnt() {
            return maxcnt;
        }

        @Override
        public long frequency() {
            return frequency;
        }

        @Override
        public Converter usecToTicks() {
            return usec_to_ticks;
        }

        @Override
        public Converter ticksToUsec() {
            return ticks_to_usec;
        }
    }
}
