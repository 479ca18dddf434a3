package org.kcallout.et;

/**
 * The eventtimers(9) API under its C names, on {@link EventTimers#defaultRegistry()}, so that
 * driver and consumer code ports line for line:
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
 * <p>Every function returns what {@code kern_et.c} returns: 0, {@link #EINVAL}, {@link #EBUSY},
 * {@link #ENXIO}, or the driver's or consumer's own result where C passes it through. Kernel
 * assertions are exceptions, as documented on {@link EventTimers}. Two additions for the JVM: the
 * per-CPU forms {@link #et_start(EventTimer, int, long, long)} and {@link #et_stop(EventTimer, int)}
 * name the CPU that C takes from {@code curcpu}; the event callback receives that CPU.
 *
 * <p>Thread safety: as {@link EventTimers}.
 */
public final class KernEt {
    /* Implementation notes: each function is one call to the default registry's method of the
     * same name; the logic and its documentation live in EventTimers. The errno values are the
     * FreeBSD ones (sys/errno.h). */

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

    /** {@return the registry these functions act on: {@link EventTimers#defaultRegistry()}} */
    public static EventTimers registry() {
        return EventTimers.defaultRegistry();
    }

    /** {@code ET_LOCK()}: {@link EventTimers#ET_LOCK()} on the default registry. */
    public static void ET_LOCK() {
        registry().ET_LOCK();
    }

    /** {@code ET_UNLOCK()}: {@link EventTimers#ET_UNLOCK()} on the default registry. */
    public static void ET_UNLOCK() {
        registry().ET_UNLOCK();
    }

    /**
     * {@code int et_register(struct eventtimer *et)}: see {@link EventTimers#et_register}.
     *
     * @param et the timer
     * @return 0
     */
    public static int et_register(EventTimer et) {
        return registry().et_register(et);
    }

    /**
     * {@code int et_deregister(struct eventtimer *et)}: see {@link EventTimers#et_deregister}.
     *
     * @param et the timer
     * @return 0, or the consumer's deregister callback's non-zero result (timer stays registered)
     */
    public static int et_deregister(EventTimer et) {
        return registry().et_deregister(et);
    }

    /**
     * {@code void et_change_frequency(struct eventtimer *et, uint64_t newfreq)}: see
     * {@link EventTimers#et_change_frequency}.
     *
     * @param et      the timer
     * @param newfreq Hz, {@code >= 0}
     */
    public static void et_change_frequency(EventTimer et, long newfreq) {
        registry().et_change_frequency(et, newfreq);
    }

    /**
     * {@code struct eventtimer *et_find(const char *name, int check, int want)}: see
     * {@link EventTimers#et_find}.
     *
     * @param name  case-insensitive name, or null for any timer of non-negative quality
     * @param check flag bits to look at
     * @param want  their wanted values
     * @return the best inactive match, or null
     * @throws IllegalArgumentException for flag bits that are no {@code ET_FLAGS_*} flag
     */
    public static EventTimer et_find(String name, int check, int want) {
        return registry().et_find(name, check, want);
    }

    /**
     * {@code int et_init(struct eventtimer *et, et_event_cb_t *event, et_deregister_cb_t *deregister,
     * void *arg)}: see {@link EventTimers#et_init}.
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
        return registry().et_init(et, event, deregister, arg);
    }

    /**
     * {@code int et_start(struct eventtimer *et, sbintime_t first, sbintime_t period)} for a global
     * timer: see {@link EventTimers#et_start(EventTimer, long, long)}.
     *
     * @param et     the timer
     * @param first  delay before the first event, sbintime
     * @param period 0 for one-shot, else the period
     * @return {@link #ENXIO} if not active, else the driver's result
     */
    public static int et_start(EventTimer et, long first, long period) {
        return registry().et_start(et, first, period);
    }

    /**
     * {@code et_start} on the instance of {@code cpu} (C: the calling CPU's): see
     * {@link EventTimers#et_start(EventTimer, int, long, long)}.
     *
     * @param et     the timer
     * @param cpu    the CPU ({@code >= 0} for a per-CPU timer), or {@link #NOCPU}
     * @param first  delay before the first event, sbintime
     * @param period 0 for one-shot, else the period
     * @return {@link #ENXIO} if not active, else the driver's result
     */
    public static int et_start(EventTimer et, int cpu, long first, long period) {
        return registry().et_start(et, cpu, first, period);
    }

    /**
     * {@code int et_stop(struct eventtimer *et)} for a global timer: see
     * {@link EventTimers#et_stop(EventTimer)}.
     *
     * @param et the timer
     * @return {@link #ENXIO} if not active, else the driver's result (0 without a stop method)
     */
    public static int et_stop(EventTimer et) {
        return registry().et_stop(et);
    }

    /**
     * {@code et_stop} on the instance of {@code cpu}: see {@link EventTimers#et_stop(EventTimer, int)}.
     *
     * @param et  the timer
     * @param cpu the CPU ({@code >= 0} for a per-CPU timer), or {@link #NOCPU}
     * @return {@link #ENXIO} if not active, else the driver's result (0 without a stop method)
     */
    public static int et_stop(EventTimer et, int cpu) {
        return registry().et_stop(et, cpu);
    }

    /**
     * {@code int et_ban(struct eventtimer *et)}: see {@link EventTimers#et_ban}.
     *
     * @param et the timer
     * @return 0
     */
    public static int et_ban(EventTimer et) {
        return registry().et_ban(et);
    }

    /**
     * {@code int et_free(struct eventtimer *et)}: see {@link EventTimers#et_free}.
     *
     * @param et the timer
     * @return {@link #ENXIO} if not active, else 0
     */
    public static int et_free(EventTimer et) {
        return registry().et_free(et);
    }
}
