package org.kcallout.et;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.kcallout.KMutex;

/**
 * A registry of event timers: FreeBSD's {@code kern_et.c}, the glue between the drivers that
 * {@linkplain #register register} {@link EventTimer}s and the consumer (the clock source) that
 * {@linkplain #find finds}, {@linkplain #init claims}, {@linkplain #start starts},
 * {@linkplain #stop stops} and {@linkplain #free releases} them.
 *
 * <p>The kernel has one global list; here a registry is an object, so that tests and several
 * callout systems can each have their own. {@link #defaultRegistry()} is the one the C-named facade
 * {@link KernEt} uses.
 *
 * <h2>Order</h2>
 * The list is kept sorted by {@linkplain EventTimer#quality() quality}, best first; timers of equal
 * quality stay in registration order. {@link #find} returns the first match in that order.
 *
 * <h2>Java names here, C names in {@link KernEt}</h2>
 * Each operation has one name here, in Java style, and reports the registry's own errors as
 * exceptions. The C names, with {@code kern_et.c}'s results ({@code 0} or an errno:
 * {@link KernEt#EINVAL}, {@link KernEt#EBUSY}, {@link KernEt#ENXIO}), are in {@link KernEt}: its
 * static functions act on the {@linkplain #defaultRegistry() default registry}, and
 * {@link KernEt#on KernEt.on(registry)} gives the same functions on any other registry (a port of a
 * consumer that owns its registry, or a test, calls {@code KernEt.on(ets).et_init(...)}).
 * <table class="striped">
 *   <caption>Java-style methods, their C names and what they do instead of returning an errno</caption>
 *   <thead><tr><th scope="col">Java style</th><th scope="col">C ({@link KernEt})</th><th scope="col">Instead of the errno</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link #register}</td><td>{@code et_register}</td><td>(always 0; returns nothing)</td></tr>
 *     <tr><td>{@link #deregister}</td><td>{@code et_deregister}</td><td>none: returns the consumer's refusal, as C</td></tr>
 *     <tr><td>{@link #find}</td><td>{@code et_find}</td><td>{@link Optional#empty()} for {@code NULL}</td></tr>
 *     <tr><td>{@link #init}</td><td>{@code et_init}</td><td>{@code EINVAL} → {@link IllegalArgumentException},
 *         {@code EBUSY} → {@link IllegalStateException}</td></tr>
 *     <tr><td>{@link #start}</td><td>{@code et_start}</td><td>{@code ENXIO} (not active) → {@link IllegalStateException};
 *         the driver's result is returned unchanged</td></tr>
 *     <tr><td>{@link #stop}</td><td>{@code et_stop}</td><td>{@code ENXIO} → {@link IllegalStateException};
 *         the driver's result is returned unchanged</td></tr>
 *     <tr><td>{@link #ban}</td><td>{@code et_ban}</td><td>(always 0; returns nothing)</td></tr>
 *     <tr><td>{@link #free}</td><td>{@code et_free}</td><td>{@code ENXIO} → {@link IllegalStateException}</td></tr>
 *     <tr><td>{@link #changeFrequency}</td><td>{@code et_change_frequency}</td><td>(void in C too)</td></tr>
 *     <tr><td>{@link #etLock() etLock()}{@code .lock()}, {@code .unlock()}</td><td>{@code ET_LOCK}, {@code ET_UNLOCK}</td><td>-</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2>Errors common to both</h2>
 * Kernel assertions become exceptions (SPEC decision 3) under both names:
 * {@link IllegalArgumentException} for a null timer, a negative frequency, and {@code et_start}'s
 * assertions (negative period; a period for a timer that cannot be periodic; no period for a
 * timer that cannot be one-shot; a per-CPU timer without a CPU; a CPU {@code >= MAXCPU}), and
 * unknown flag bits given to {@code et_find}; {@link IllegalStateException} for
 * registering a timer twice, deregistering one that is not registered here, claiming
 * ({@code et_init}) one that is not registered here, or using a timer registered with another
 * registry. A rejected call changes nothing. Messages name the C function.
 *
 * <h2>Locking ({@code ET_LOCK})</h2>
 * One mutex per registry, FreeBSD's {@code et_eventtimers_mtx}, a sleep mutex, here recursive: it
 * guards the list, the {@linkplain EventTimer#active() active} flags, the consumers' callbacks,
 * the frequencies and the {@linkplain #setClockSource clock source}. Every method that reads or
 * writes those takes it itself ({@code find}, {@code init}, {@code free}, {@code register}, the
 * list part of {@code deregister}, {@code ban}, {@code changeFrequency}); hold it yourself with
 * {@link #etLock()} to make several calls one step, as the kernel does for find-then-init:
 * <pre>{@code
 * ets.etLock().lock();                                      // ET_LOCK()
 * try {
 *     Optional<EventTimer> et = ets.find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT);
 *     if (et.isPresent()) { ets.init(et.get(), TIMERCB, null, state); ...use it... }
 * } finally {
 *     ets.etLock().unlock();                                // ET_UNLOCK()
 * }
 * }</pre>
 * {@code start} and {@code stop} take no lock: the consumer serialises them for each timer
 * instance (FreeBSD's clock source uses {@code et_hw_mtx}, global or per CPU). The deregister
 * callback is called without the lock (unless the caller of {@code deregister} holds it).
 */
public final class EventTimers {
    /* Implementation notes: a port of kern_et.c. The SLIST becomes an ArrayList (a handful of
     * timers, touched at boot, on switches and on deregistration, never on an event), guarded by
     * etLock; insertion follows et_register's rule literally (see insertSorted), which is what
     * keeps equal qualities in registration order. The sysctl nodes are not ported; choice()
     * renders kern.eventtimer.choice.
     *
     * One implementation per operation. The operations that C answers with an errno have a
     * package-private core returning it (claim, release, startIfActive, stopIfActive; findFirst
     * returns null), which KernEt.Bound returns as is; the public method turns a non-zero errno
     * into its exception through throwIfError, the only place that maps errno to exception.
     *
     * Field ownership:
     *   list        guarded by etLock
     *   clockSource guarded by etLock for writes; volatile so that clockSource() needs no lock
     *   etLock      final
     *   kernEt      final, immutable (the C-named view KernEt.on returns; no state of its own)
     * The per-timer fields are listed in EventTimer's notes; every write of them happens here,
     * under etLock, except the driver's own setPeriodRange.
     *
     * Unlocked reads, as in C: start/stop read active and flags without the lock; the consumer
     * that calls them is the one that set active (init) and will clear it (free), so it never
     * races with itself, and a concurrent ban is seen either before or after, both acceptable (C
     * has the same race). deregister reads the consumer's binding without the lock and calls it
     * outside the lock, as C reads et_deregister_cb: the binding is one immutable object, so
     * callback and arg always match. */

    private static final System.Logger LOG = System.getLogger(EventTimers.class.getName());

    private static final EventTimers DEFAULT = new EventTimers();

    /** {@code ET_LOCK}: {@code et_eventtimers_mtx}, recursive so that callers may hold it around calls. */
    private final KMutex etLock = new KMutex("et_mtx", KMutex.MTX_RECURSE);

    /** {@code eventtimers}: sorted by quality, best first; guarded by etLock. */
    private final List<EventTimer> list = new ArrayList<>();

    /** The consumer notified by changeFrequency; guarded by etLock for writes. */
    private volatile EventTimerConsumer clockSource;

    /** The C-named view of this registry ({@link KernEt#on}); immutable, built once. */
    final KernEt.Bound kernEt = new KernEt.Bound(this);

    /** Creates an empty registry. */
    public EventTimers() {
    }

    /** {@return the registry behind the C-named facade {@link KernEt}, created with the class} */
    public static EventTimers defaultRegistry() {
        return DEFAULT;
    }

    /**
     * {@code ET_LOCK()}/{@code ET_UNLOCK()}: the registry mutex, {@code et_eventtimers_mtx}
     * ({@code etLock().lock()}, {@code etLock().unlock()}, {@code etLock().owned()}). Recursive:
     * each {@code lock()} needs an {@code unlock()}, and {@code unlock()} by a thread that does not
     * hold it throws {@link IllegalStateException}.
     *
     * @return the registry mutex
     */
    public KMutex etLock() {
        return etLock;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Driver side                                                                               */

    /**
     * {@code et_register(et)}: adds a timer to the list, after every timer of better or equal
     * quality and before the first of lower quality. Logs a line (at {@code DEBUG}, where FreeBSD
     * prints one at boot for timers of non-negative quality). C returns 0, always.
     *
     * @param et the timer
     * @throws IllegalArgumentException if {@code et} is null
     * @throws IllegalStateException    if {@code et} is already registered (here or elsewhere)
     */
    public void register(EventTimer et) {
        requireTimer("et_register", et);
        etLock.lock();
        try {
            EventTimers owner = et.registry();
            if (owner != null) {
                throw new IllegalStateException("et_register: timer " + et.name() + " is already registered"
                        + (owner == this ? "" : " with another registry"));
            }
            insertSorted(et);
            et.setRegistry(this);
        } finally {
            etLock.unlock();
        }
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, et.frequency() == 0
                    ? "Event timer \"" + et.name() + "\" quality " + et.quality()
                    : "Event timer \"" + et.name() + "\" frequency " + et.frequency() + " Hz quality "
                            + et.quality());
        }
    }

    /**
     * The insertion rule of {@code et_register}: at the head if the list is empty or its head has
     * a strictly lower quality; otherwise right after the first element whose successor is absent
     * or of strictly lower quality. Equal qualities therefore end up in registration order.
     */
    private void insertSorted(EventTimer et) {
        assert etLock.owned();
        if (list.isEmpty() || list.get(0).quality() < et.quality()) {
            list.add(0, et);
            return;
        }
        for (int i = 0;; i++) { // terminates: the last element has no successor
            if (i + 1 == list.size() || list.get(i + 1).quality() < et.quality()) {
                list.add(i + 1, et);
                return;
            }
        }
    }

    /**
     * {@code et_deregister(et)}: withdraws a timer. If its consumer gave a deregister callback,
     * that is called first (without {@code ET_LOCK}); a non-zero result is returned unchanged and
     * the timer stays registered (a refusal is the consumer's answer, not an error of the
     * registry, so it is returned rather than thrown). Otherwise the timer leaves the list and may
     * be registered again. There is no check that the timer is inactive: the consumer's callback is
     * where it lets go.
     *
     * @param et the timer
     * @return 0 if deregistered, else the deregister callback's non-zero result
     * @throws IllegalArgumentException if {@code et} is null
     * @throws IllegalStateException    if {@code et} is not registered with this registry
     */
    public int deregister(EventTimer et) {
        requireTimer("et_deregister", et);
        if (et.registry() != this) {
            throw new IllegalStateException("et_deregister: timer " + et.name() + " is not registered"
                    + (et.registry() == null ? "" : " with this registry"));
        }
        EventTimer.Binding b = et.binding(); // unlocked, as C reads et_deregister_cb
        if (b != null && b.deregister != null) {
            int err = b.deregister.deregister(et, b.arg);
            if (err != 0) {
                return err;
            }
        }
        etLock.lock();
        try {
            int i = indexOf(et);
            if (i < 0) { // another thread deregistered it while the callback ran
                throw new IllegalStateException("et_deregister: timer " + et.name()
                        + " was deregistered concurrently");
            }
            list.remove(i);
            et.setRegistry(null);
        } finally {
            etLock.unlock();
        }
        return 0;
    }

    /**
     * {@code et_change_frequency(et, newfreq)}: records a new base frequency, for drivers whose
     * oscillator changed (for example in a power-saving mode). If {@code et} is active and is the
     * {@linkplain EventTimerConsumer#currentTimer() timer in use} by this registry's
     * {@linkplain #setClockSource clock source}, the clock source stops it on all CPUs, the
     * frequency is stored, and the clock source restarts it with all events re-programmed (see
     * {@link EventTimerConsumer}); otherwise the frequency is just stored. Runs under {@code ET_LOCK}.
     *
     * @param et      the timer
     * @param newfreq the new frequency in Hz, {@code >= 0} (0 = unknown)
     * @throws IllegalArgumentException for a null timer or a negative frequency
     * @throws IllegalStateException    if {@code et} belongs to another registry
     */
    public void changeFrequency(EventTimer et, long newfreq) {
        requireTimer("et_change_frequency", et);
        if (newfreq < 0) {
            throw new IllegalArgumentException("et_change_frequency: timer " + et.name()
                    + ": frequency must be >= 0 Hz, got " + newfreq);
        }
        etLock.lock();
        try {
            long old = et.frequency();
            EventTimerConsumer cs = clockSource;
            if (cs != null && et.active() && cs.currentTimer() == et) {
                cs.frequencyChanging(et, old, newfreq); // configtimer(0)
                et.setFrequency(newfreq);
                cs.frequencyChanged(et, old, newfreq);  // configtimer(1)
            } else {
                et.setFrequency(newfreq);
            }
        } finally {
            etLock.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Consumer side                                                                             */

    /**
     * {@code et_find(name, check, want)}: the first timer, best quality first, that is not active,
     * whose name equals {@code name} ignoring case when {@code name != null}, whose quality is not
     * negative when {@code name == null}, and whose flags satisfy {@code (flags & check) == want}.
     * Takes {@code ET_LOCK} (the kernel's caller holds it; here it may, to follow with
     * {@code et_init} atomically).
     *
     * @param name  the timer's name, matched case-insensitively ({@link String#equalsIgnoreCase}), or
     *              null for any timer of non-negative quality
     * @param check the {@code ET_FLAGS_*} bits to look at
     * @param want  the values those bits must have ({@code 0, 0} accepts any flags)
     * @return the timer, or empty
     * @throws IllegalArgumentException if {@code check} or {@code want} has a bit that is no
     *                                  {@code ET_FLAGS_*} flag (no timer can have it)
     */
    public Optional<EventTimer> find(String name, int check, int want) {
        return Optional.ofNullable(findFirst("find", name, check, want));
    }

    /** {@code et_find} proper, for the function {@code fn} the user called: the timer, or null. */
    EventTimer findFirst(String fn, String name, int check, int want) {
        checkFindFlags(fn, check, want);
        etLock.lock();
        try {
            for (EventTimer et : list) {
                if (et.active()) {
                    continue;
                }
                if (name != null && !et.name().equalsIgnoreCase(name)) {
                    continue;
                }
                if (name == null && et.quality() < 0) {
                    continue;
                }
                if ((et.flags() & check) != want) {
                    continue;
                }
                return et;
            }
            return null;
        } finally {
            etLock.unlock();
        }
    }

    /**
     * {@code et_init(et, event, deregister, arg)}: claims a timer for a consumer and records its
     * callbacks; from now on {@link EventTimer#fire(int)} runs {@code event}.
     *
     * @param et         the timer (usually from {@link #find})
     * @param event      the event callback ({@code et_event_cb})
     * @param deregister the deregister callback ({@code et_deregister_cb}), or null
     * @param arg        passed to both callbacks ({@code et_arg})
     * @param <A>        the argument type
     * @throws IllegalArgumentException if {@code et} is null, or {@code event} is null ({@code EINVAL})
     * @throws IllegalStateException    if the timer is already active ({@code EBUSY}), belongs to
     *                                  another registry, or is not
     *                                  registered with this one (never registered, or deregistered:
     *                                  its driver withdrew it); C does not check, but a consumer
     *                                  only claims timers {@code et_find} returned
     */
    public <A> void init(EventTimer et, EtEventCb<? super A> event, EtDeregisterCb<? super A> deregister, A arg) {
        requireTimer("init", et);
        throwIfError("et_init", et, claim(et, event, deregister, arg));
    }

    /** {@code et_init} proper: {@link KernEt#EINVAL} for a null {@code event}, {@link KernEt#EBUSY}, or 0. */
    <A> int claim(EventTimer et, EtEventCb<? super A> event, EtDeregisterCb<? super A> deregister, A arg) {
        requireTimer("et_init", et);
        if (event == null) {
            return KernEt.EINVAL;
        }
        etLock.lock();
        try {
            requireRegistered("et_init", et);
            if (et.active()) {
                return KernEt.EBUSY;
            }
            et.activate(binding(event, deregister, arg));
            return 0;
        } finally {
            etLock.unlock();
        }
    }

    @SuppressWarnings("unchecked") // the callbacks only ever receive the arg they were given with
    private static <A> EventTimer.Binding binding(EtEventCb<? super A> event, EtDeregisterCb<? super A> deregister,
                                                  A arg) {
        return new EventTimer.Binding((EtEventCb<Object>) event, (EtDeregisterCb<Object>) deregister, arg);
    }

    /**
     * {@code et_start(et, first, period)}: starts the timer's instance on {@code cpu}. Checks the
     * arguments, clamps them into the driver's range and calls {@link EventTimer#start}: a non-zero
     * {@code period} is raised to {@code minPeriod} or lowered to {@code maxPeriod}; {@code first}
     * is clamped the same way when {@code period == 0 || first != 0} (so a {@code first} of 0 with
     * a period, meaning "after one period", reaches the driver as 0). Takes no lock: the consumer
     * serialises starts and stops of each instance.
     *
     * @param et     the timer
     * @param cpu    the CPU whose instance to start ({@code >= 0}) for a per-CPU timer; for a global
     *               timer any CPU or {@link EventTimer#NOCPU}, passed on to the driver
     * @param first  delay before the first event, sbintime
     * @param period 0 for one-shot, else the period, sbintime
     * @return the driver's result
     * @throws IllegalArgumentException for a null timer, and (the kernel's assertions, checked once the timer is known to be
     *                                  active) if {@code period < 0}, if {@code period != 0} and
     *                                  the timer lacks {@code ET_FLAGS_PERIODIC}, if
     *                                  {@code period == 0} and it lacks {@code ET_FLAGS_ONESHOT}, or
     *                                  for a CPU below {@code NOCPU} or, on a per-CPU timer, below 0,
     *                                  or for a CPU {@code >= MAXCPU} (256), which no system has
     * @throws IllegalStateException    if the timer is not active ({@code ENXIO}: claim it with
     *                                  {@link #init} first) or belongs to another registry
     */
    public int start(EventTimer et, int cpu, long first, long period) {
        requireTimer("start", et);
        requireActive("et_start", et);
        return et.startChecked(cpu, first, period);
    }

    /** {@code et_start} proper: {@link KernEt#ENXIO} if the timer is not active, else the driver's result. */
    int startIfActive(EventTimer et, int cpu, long first, long period) {
        requireTimer("et_start", et);
        if (!et.active()) {
            return KernEt.ENXIO;
        }
        return et.startChecked(cpu, first, period);
    }

    /**
     * {@code et_stop(et)}: stops the timer's instance on {@code cpu} (see {@link #start} for the CPU). Takes no lock.
     *
     * @param et  the timer
     * @param cpu the CPU whose instance to stop, as for {@code et_start}
     * @return the driver's result (0 for a driver without a stop method)
     * @throws IllegalArgumentException for a null timer, or a bad CPU (checked once active: below
     *                                  0 for a per-CPU timer, below {@code NOCPU}, or {@code >= MAXCPU})
     * @throws IllegalStateException    if the timer is not active ({@code ENXIO}) or belongs to
     *                                  another registry
     */
    public int stop(EventTimer et, int cpu) {
        requireTimer("stop", et);
        requireActive("et_stop", et);
        return et.stopChecked(cpu);
    }

    /** {@code et_stop} proper: {@link KernEt#ENXIO} if the timer is not active, else the driver's result. */
    int stopIfActive(EventTimer et, int cpu) {
        requireTimer("et_stop", et);
        if (!et.active()) {
            return KernEt.ENXIO;
        }
        return et.stopChecked(cpu);
    }

    /**
     * {@code et_ban(et)}: marks the timer broken by clearing its {@code ET_FLAGS_PERIODIC} and
     * {@code ET_FLAGS_ONESHOT} capabilities, so that {@code et_find} with a capability no longer
     * returns it and {@code et_start} refuses it. C returns 0, always. No active check; a running timer is not stopped.
     *
     * @param et the timer
     * @throws IllegalArgumentException if {@code et} is null
     * @throws IllegalStateException    if {@code et} belongs to another registry
     */
    public void ban(EventTimer et) {
        requireTimer("et_ban", et);
        etLock.lock(); // C writes without a lock; taking it keeps the read-modify-write whole
        try {
            et.clearFlags(EventTimer.ET_FLAGS_PERIODIC | EventTimer.ET_FLAGS_ONESHOT);
        } finally {
            etLock.unlock();
        }
    }

    /**
     * {@code et_free(et)}: releases a timer the consumer claimed with {@code et_init}, making it
     * available to {@code et_find} again. Stop it first: this does not call the driver. The
     * consumer's callbacks are dropped with the claim (in C they stay in the struct), so a late
     * event reaches no one and {@code et_deregister} no longer asks this consumer.
     *
     * @param et the timer
     * @throws IllegalArgumentException if {@code et} is null
     * @throws IllegalStateException    if the timer is not active ({@code ENXIO}) or belongs to
     *                                  another registry
     */
    public void free(EventTimer et) {
        requireTimer("free", et);
        throwIfError("et_free", et, release(et));
    }

    /** {@code et_free} proper: {@link KernEt#ENXIO} if the timer is not active, else 0. */
    int release(EventTimer et) {
        requireTimer("et_free", et);
        etLock.lock();
        try {
            if (!et.active()) {
                return KernEt.ENXIO;
            }
            et.deactivate();
            return 0;
        } finally {
            etLock.unlock();
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The clock source and the list                                                             */

    /**
     * Installs the consumer that {@link #changeFrequency} consults (in FreeBSD, the clock
     * source is compiled in; here {@code callout-wheel}'s clock source installs itself).
     *
     * @param cs the clock source, or null for none
     * @return the previous one, or null
     */
    public EventTimerConsumer setClockSource(EventTimerConsumer cs) {
        etLock.lock();
        try {
            EventTimerConsumer previous = clockSource;
            clockSource = cs;
            return previous;
        } finally {
            etLock.unlock();
        }
    }

    /** {@return the installed clock source, or null} */
    public EventTimerConsumer clockSource() {
        return clockSource;
    }

    /** {@return a snapshot of the list, best quality first (equal qualities in registration order)} */
    public List<EventTimer> timers() {
        etLock.lock();
        try {
            return List.copyOf(list);
        } finally {
            etLock.unlock();
        }
    }

    /**
     * {@code sysctl kern.eventtimer.choice}: the registered timers as {@code name(quality)},
     * space-separated, in list order.
     *
     * @return for example {@code "LAPIC(600) HPET(550) i8254(100) RTC(0)"}
     */
    public String choice() {
        etLock.lock();
        try {
            StringBuilder sb = new StringBuilder();
            for (EventTimer et : list) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(et.name()).append('(').append(et.quality()).append(')');
            }
            return sb.toString();
        } finally {
            etLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "EventTimers[" + choice() + "]";
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Checks                                                                                    */

    private int indexOf(EventTimer et) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == et) { // identity: a driver may override equals
                return i;
            }
        }
        return -1;
    }

    private void requireTimer(String fn, EventTimer et) {
        if (et == null) {
            throw new IllegalArgumentException(fn + ": the event timer must not be null");
        }
        EventTimers owner = et.registry();
        if (owner != null && owner != this) {
            throw new IllegalStateException(fn + ": timer " + et.name() + " is registered with another registry");
        }
    }

    private static void requireActive(String fn, EventTimer et) {
        throwIfError(fn, et, et.active() ? 0 : KernEt.ENXIO);
    }

    /**
     * The errno-to-exception mapping of the Java-style methods, the only one: {@code EINVAL} (a
     * bad argument) becomes {@link IllegalArgumentException}, {@code EBUSY} and {@code ENXIO} (the
     * timer's state) {@link IllegalStateException}, each naming the C function {@code fn}.
     */
    private static void throwIfError(String fn, EventTimer et, int errno) {
        switch (errno) {
            case 0:
                return;
            case KernEt.EINVAL:
                throw new IllegalArgumentException(fn + ": timer " + et.name()
                        + ": the event callback must not be null (EINVAL)");
            case KernEt.EBUSY:
                throw new IllegalStateException(fn + ": timer " + et.name()
                        + " is already active, claimed by another consumer (EBUSY)");
            case KernEt.ENXIO:
                throw new IllegalStateException(fn + ": timer " + et.name()
                        + " is not active; claim it with et_init first (ENXIO)");
            default:
                throw new AssertionError(fn + ": unexpected errno " + errno);
        }
    }

    /** Under ET_LOCK: the timer must be in this registry's list. */
    private void requireRegistered(String fn, EventTimer et) {
        if (et.registry() != this) {
            throw new IllegalStateException(fn + ": timer " + et.name() + " is not registered"
                    + " (register it with et_register first; a deregistered timer cannot be claimed)");
        }
    }

    private static void checkFindFlags(String fn, int check, int want) {
        int unknown = (check | want) & ~EventTimer.ET_FLAGS_ALL;
        if (unknown != 0) {
            throw new IllegalArgumentException(fn + ": unknown et_flags bits 0x" + Integer.toHexString(unknown)
                    + " in check 0x" + Integer.toHexString(check) + ", want 0x" + Integer.toHexString(want));
        }
    }
}
