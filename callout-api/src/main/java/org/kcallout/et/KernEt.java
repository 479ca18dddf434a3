package org.kcallout.et;

/**
 * The eventtimers(9) API under its C names, with {@code kern_et.c}'s results, so that driver and
 * consumer code ports line for line. The static functions act on
 * {@link EventTimers#defaultRegistry()}:
 *
 * <pre>{@code
 * import static org.kcallout.et.KernEt.*;
 *
 * et_register(sc.et);                                        // et_register(&sc->et);
 * ...
 * ET_LOCK();
 * try {
 *     EventTimer et = et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT);
 *     if (et == null || et_init(et, TIMERCB, null, state) != 0) { ... }
 * } finally {
 *     ET_UNLOCK();
 * }
 * et_start(et, first, 0);                                    // one-shot
 * }</pre>
 *
 * <p>The same functions on any other registry: {@link #on KernEt.on(ets)} returns that registry's
 * {@link Bound} view, whose methods have the same names, arguments and results:
 *
 * <pre>{@code
 * KernEt.Bound kern = KernEt.on(ets);                        // ets: an EventTimers of your own
 * if (kern.et_init(et, TIMERCB, null, state) != 0) { ... }   // EBUSY, EINVAL: no exception
 * kern.et_stop(et, cpu);                                     // ENXIO if freed meanwhile
 * }</pre>
 *
 * There is no global rebinding (no {@code setRegistry}): several registries are used at once (each
 * clock source may own one, tests run their own), so the registry is named at the call, as the
 * Java-style methods of {@link EventTimers} name it. A view holds no state: it is the registry's
 * own, built once, so {@code KernEt.on(ets)} allocates nothing and may be called on every use.
 *
 * <p>Every function returns what {@code kern_et.c} returns: 0, {@link #EINVAL}, {@link #EBUSY},
 * {@link #ENXIO}, or the driver's or consumer's own result where C passes it through; each is
 * documented on the {@link EventTimers} method of the same operation, which throws instead of
 * returning an errno (see the table there). Kernel assertions are exceptions under both names.
 * Two additions for the JVM: the per-CPU forms {@link #et_start(EventTimer, int, long, long)} and
 * {@link #et_stop(EventTimer, int)} name the CPU that C takes from {@code curcpu}; the event
 * callback receives that CPU.
 *
 * <p>Thread safety: as {@link EventTimers}; a {@link Bound} view is immutable.
 */
public final class KernEt {
    /* Implementation notes: no logic here. Each static function is one call to the default
     * registry's view, and each view method one call to the registry's core of that operation
     * (EventTimers.claim, release, startIfActive, stopIfActive, findFirst, or the Java-style method
     * where C has no errno), so the errno results and the exceptions come from the same code. The
     * errno values are the FreeBSD ones (sys/errno.h). No mutable state: the view of each registry
     * is a final field of that registry. */

    /** {@code ENOENT} (2): no such timer, e.g. an unknown name written to {@code kern.eventtimer.timer}. */
    public static final int ENOENT = 2;
    /** {@code ENXIO} (6): the timer is not active (not claimed with {@code et_init}). */
    public static final int ENXIO = 6;
    /** {@code EBUSY} (16): the timer is already active; or a consumer refusing deregistration. */
    public static final int EBUSY = 16;
    /** {@code EINVAL} (22): a null event callback given to {@code et_init}. */
    public static final int EINVAL = 22;

    /** {@code ET_FLAGS_PERIODIC} (1). */
    public static final int ET_FLAGS_PERIODIC = EventTimer.ET_FLAGS_PERIODIC;
    /** {@code ET_FLAGS_ONESHOT} (2). */
    public static final int ET_FLAGS_ONESHOT = EventTimer.ET_FLAGS_ONESHOT;
    /** {@code ET_FLAGS_PERCPU} (4). */
    public static final int ET_FLAGS_PERCPU = EventTimer.ET_FLAGS_PERCPU;
    /** {@code ET_FLAGS_C3STOP} (8). */
    public static final int ET_FLAGS_C3STOP = EventTimer.ET_FLAGS_C3STOP;
    /** {@code ET_FLAGS_POW2DIV} (16). */
    public static final int ET_FLAGS_POW2DIV = EventTimer.ET_FLAGS_POW2DIV;
    /** {@code NOCPU} (-1). */
    public static final int NOCPU = EventTimer.NOCPU;

    private KernEt() {
    }

    /** {@return the registry the static functions act on: {@link EventTimers#defaultRegistry()}} */
    public static EventTimers registry() {
        return EventTimers.defaultRegistry();
    }

    /**
     * The C-named functions on {@code ets}: its {@link Bound} view (built with the registry; this
     * allocates nothing).
     *
     * @param ets the registry
     * @return its view
     * @throws IllegalArgumentException if {@code ets} is null
     */
    public static Bound on(EventTimers ets) {
        if (ets == null) {
            throw new IllegalArgumentException("KernEt.on: the registry must not be null");
        }
        return ets.kernEt;
    }

    private static Bound dflt() {
        return EventTimers.defaultRegistry().kernEt;
    }

    /** {@code ET_LOCK()}: takes the default registry's mutex ({@link EventTimers#etLock()}). */
    public static void ET_LOCK() {
        dflt().ET_LOCK();
    }

    /** {@code ET_UNLOCK()}: releases the default registry's mutex. */
    public static void ET_UNLOCK() {
        dflt().ET_UNLOCK();
    }

    /**
     * {@code int et_register(struct eventtimer *et)}: see {@link EventTimers#register}.
     *
     * @param et the timer
     * @return 0
     */
    public static int et_register(EventTimer et) {
        return dflt().et_register(et);
    }

    /**
     * {@code int et_deregister(struct eventtimer *et)}: see {@link EventTimers#deregister}.
     *
     * @param et the timer
     * @return 0, or the consumer's deregister callback's non-zero result (timer stays registered)
     */
    public static int et_deregister(EventTimer et) {
        return dflt().et_deregister(et);
    }

    /**
     * {@code void et_change_frequency(struct eventtimer *et, uint64_t newfreq)}: see
     * {@link EventTimers#changeFrequency}.
     *
     * @param et      the timer
     * @param newfreq Hz, {@code >= 0}
     */
    public static void et_change_frequency(EventTimer et, long newfreq) {
        dflt().et_change_frequency(et, newfreq);
    }

    /**
     * {@code struct eventtimer *et_find(const char *name, int check, int want)}: see
     * {@link EventTimers#find}.
     *
     * @param name  case-insensitive name, or null for any timer of non-negative quality
     * @param check flag bits to look at
     * @param want  their wanted values
     * @return the best inactive match, or null
     * @throws IllegalArgumentException for flag bits that are no {@code ET_FLAGS_*} flag
     */
    public static EventTimer et_find(String name, int check, int want) {
        return dflt().et_find(name, check, want);
    }

    /**
     * {@code int et_init(struct eventtimer *et, et_event_cb_t *event, et_deregister_cb_t *deregister,
     * void *arg)}: see {@link EventTimers#init}.
     *
     * @param et         the timer
     * @param event      the event callback
     * @param deregister the deregister callback, or null
     * @param arg        passed to both
     * @param <A>        the argument type
     * @return {@link #EINVAL} for a null {@code event}, {@link #EBUSY} if active, else 0
     * @throws IllegalArgumentException for a null timer
     * @throws IllegalStateException    for a timer not registered with the default registry
     */
    public static <A> int et_init(EventTimer et, EtEventCb<? super A> event, EtDeregisterCb<? super A> deregister,
                                  A arg) {
        return dflt().et_init(et, event, deregister, arg);
    }

    /**
     * {@code int et_start(struct eventtimer *et, sbintime_t first, sbintime_t period)} for a global
     * timer: {@link #et_start(EventTimer, int, long, long)} with {@link #NOCPU}. A per-CPU timer
     * needs the CPU form.
     *
     * @param et     the timer
     * @param first  delay before the first event, sbintime
     * @param period 0 for one-shot, else the period
     * @return {@link #ENXIO} if not active, else the driver's result
     */
    public static int et_start(EventTimer et, long first, long period) {
        return dflt().et_start(et, first, period);
    }

    /**
     * {@code et_start} on the instance of {@code cpu} (C: the calling CPU's): see
     * {@link EventTimers#start}.
     *
     * @param et     the timer
     * @param cpu    the CPU ({@code >= 0} for a per-CPU timer), or {@link #NOCPU}
     * @param first  delay before the first event, sbintime
     * @param period 0 for one-shot, else the period
     * @return {@link #ENXIO} if not active, else the driver's result
     */
    public static int et_start(EventTimer et, int cpu, long first, long period) {
        return dflt().et_start(et, cpu, first, period);
    }

    /**
     * {@code int et_stop(struct eventtimer *et)} for a global timer:
     * {@link #et_stop(EventTimer, int)} with {@link #NOCPU}.
     *
     * @param et the timer
     * @return {@link #ENXIO} if not active, else the driver's result (0 without a stop method)
     */
    public static int et_stop(EventTimer et) {
        return dflt().et_stop(et);
    }

    /**
     * {@code et_stop} on the instance of {@code cpu}: see {@link EventTimers#stop}.
     *
     * @param et  the timer
     * @param cpu the CPU ({@code >= 0} for a per-CPU timer), or {@link #NOCPU}
     * @return {@link #ENXIO} if not active, else the driver's result (0 without a stop method)
     */
    public static int et_stop(EventTimer et, int cpu) {
        return dflt().et_stop(et, cpu);
    }

    /**
     * {@code int et_ban(struct eventtimer *et)}: see {@link EventTimers#ban}.
     *
     * @param et the timer
     * @return 0
     */
    public static int et_ban(EventTimer et) {
        return dflt().et_ban(et);
    }

    /**
     * {@code int et_free(struct eventtimer *et)}: see {@link EventTimers#free}.
     *
     * @param et the timer
     * @return {@link #ENXIO} if not active, else 0
     */
    public static int et_free(EventTimer et) {
        return dflt().et_free(et);
    }

    /**
     * The C-named functions on one registry, {@link #on KernEt.on(ets)}: each method is the static
     * function of the same name and signature, documented there, acting on {@link #registry()}
     * instead of the default registry. Immutable; one per registry.
     */
    public static final class Bound {
        private final EventTimers ets;

        Bound(EventTimers ets) {
            this.ets = ets;
        }

        /** {@return the registry these functions act on} */
        public EventTimers registry() {
            return ets;
        }

        /** {@code ET_LOCK()}: {@link KernEt#ET_LOCK()}. */
        public void ET_LOCK() {
            ets.etLock().lock();
        }

        /** {@code ET_UNLOCK()}: {@link KernEt#ET_UNLOCK()}. */
        public void ET_UNLOCK() {
            ets.etLock().unlock();
        }

        /** {@code et_register}: {@link KernEt#et_register}. */
        public int et_register(EventTimer et) {
            ets.register(et);
            return 0;
        }

        /** {@code et_deregister}: {@link KernEt#et_deregister}. */
        public int et_deregister(EventTimer et) {
            return ets.deregister(et);
        }

        /** {@code et_change_frequency}: {@link KernEt#et_change_frequency}. */
        public void et_change_frequency(EventTimer et, long newfreq) {
            ets.changeFrequency(et, newfreq);
        }

        /** {@code et_find}: {@link KernEt#et_find}. */
        public EventTimer et_find(String name, int check, int want) {
            return ets.findFirst("et_find", name, check, want);
        }

        /**
         * {@code et_init}: {@link KernEt#et_init}.
         *
         * @param et         the timer
         * @param event      the event callback
         * @param deregister the deregister callback, or null
         * @param arg        passed to both
         * @param <A>        the argument type
         * @return {@link KernEt#EINVAL}, {@link KernEt#EBUSY} or 0
         */
        public <A> int et_init(EventTimer et, EtEventCb<? super A> event, EtDeregisterCb<? super A> deregister,
                               A arg) {
            return ets.claim(et, event, deregister, arg);
        }

        /** {@code et_start}, global: {@link KernEt#et_start(EventTimer, long, long)}. */
        public int et_start(EventTimer et, long first, long period) {
            return et_start(et, NOCPU, first, period);
        }

        /** {@code et_start}: {@link KernEt#et_start(EventTimer, int, long, long)}. */
        public int et_start(EventTimer et, int cpu, long first, long period) {
            return ets.startIfActive(et, cpu, first, period);
        }

        /** {@code et_stop}, global: {@link KernEt#et_stop(EventTimer)}. */
        public int et_stop(EventTimer et) {
            return et_stop(et, NOCPU);
        }

        /** {@code et_stop}: {@link KernEt#et_stop(EventTimer, int)}. */
        public int et_stop(EventTimer et, int cpu) {
            return ets.stopIfActive(et, cpu);
        }

        /** {@code et_ban}: {@link KernEt#et_ban}. */
        public int et_ban(EventTimer et) {
            ets.ban(et);
            return 0;
        }

        /** {@code et_free}: {@link KernEt#et_free}. */
        public int et_free(EventTimer et) {
            return ets.release(et);
        }

        @Override
        public String toString() {
            return "KernEt.on(" + ets + ")";
        }
    }
}
