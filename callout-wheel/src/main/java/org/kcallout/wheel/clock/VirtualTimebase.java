package org.kcallout.wheel.clock;

import static org.kcallout.Sbt.SBT_MAX;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.kcallout.Callout;
import org.kcallout.HandlerFailureHook;
import org.kcallout.Sbt;

/**
 * The virtual time line: the timecounter of an {@link EventTimerClock} and the clock that
 * {@code VirtualTimerDriver}s and {@code SimulatedReloadTimer}s count on, and the time under a
 * {@link VirtualTicklessClock}. Time moves only when {@link #advance(long)}, {@link #advanceTo(long)}
 * or {@link #advanceTicks(int)} is called; the events the devices raise on the way are delivered in
 * time order on the calling thread, so the clock source's interrupt handling,
 * {@code callout_process}, direct handlers and softclock all run there before the call returns.
 *
 * <pre>{@code
 * VirtualTimebase tb = new VirtualTimebase();
 * VirtualTimerDriver hpet = new VirtualTimerDriver(tb, "HPET", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 550);
 * VirtualTimerDriver rtc = new VirtualTimerDriver(tb, "RTC", ET_FLAGS_PERIODIC, 0);
 * ets.register(hpet); ets.register(rtc);                     // both on one time line
 * EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).build();
 * }</pre>
 *
 * <p>Several devices may share one time base (a test can switch the clock source between them);
 * one time base serves one live clock source at a time. Events at the same instant are delivered in
 * the order the devices were first armed. Only one thread moves time at a time (a second waits);
 * moving time from inside a handler is refused.
 *
 * <p>Inter-processor interrupts of the clock on several CPUs: before every step (and so before the
 * first event and after the last one of each call), the IPIs pending at the current instant are
 * delivered on the calling thread, CPU by CPU in CPU order, until none is left. An IPI raised by an
 * interrupt is thus handled right after it, at the same instant, and one raised from outside an
 * advance (a callout armed for another CPU) at the start of the next advance, at the time it was
 * raised: {@code advance(0)} delivers it without moving time.
 *
 * <p>Handler failures: a system on a clock of this time base that was built without a failure hook
 * of its own reports what its handlers throw here ({@link ClockSource#defaultFailureHook()}), and the
 * advance that ran them throws a {@link HandlerFailedException} once it has completed (a failure
 * reported outside any advance, by a test driving a CPU by hand, is thrown by the next one).
 */
public final class VirtualTimebase implements VirtualClock, LongSupplier {
    /* Implementation notes: now is written only by the advancing thread, holding advanceLock, and
     * read by anyone (volatile). The device list only grows (copy-on-write: iterated without a lock
     * on every step). Each device guards its own state with its own monitor; the time base never
     * holds a device's monitor while it delivers, and holds no lock but advanceLock while devices
     * run the consumer's callback, so handlers may arm callouts (which reprogram devices) freely.
     * A device's next event time is re-read on every step, so an arm from another thread during an
     * advance is seen at the next step; so are the clock's pending IPIs (its IPI channel is read at
     * every step, and IPIs count as events of the instant for the runaway guard). */

    /** Events delivered at one instant before advance gives up (a handler re-arming itself at "now"). */
    static final int MAX_EVENTS_PER_INSTANT = InstantGuard.MAX_EVENTS_PER_INSTANT;

    /** Livelock guard of advanceTo; guarded by advanceLock (reused: advancing allocates nothing). */
    private final InstantGuard guard = new InstantGuard();

    /** Something that raises events on this time base. */
    public interface Device {
        /** {@return the time of the next event, or SBT_MAX if none}; called without locks */
        long nextEventTime();

        /**
         * Called at {@code now >= nextEventTime()}: raise the event (or swallow it) and move the
         * next event time on. Called with no lock but the advance lock.
         *
         * @param now the current time
         * @return true if an interrupt was delivered to a consumer
         */
        boolean expire(long now);
    }

    private final ReentrantLock advanceLock = new ReentrantLock();
    /** Copy on write, replaced under this monitor: iterated without a lock or an allocation. */
    private volatile Device[] devices = new Device[0];
    private volatile long now;
    /** The clock source this time base serves: IPIs, tick length, end of an advance, idle skips. */
    private volatile ClockSource clock;
    @GuardedBy("advanceLock")
    private long interrupts; // guarded by advanceLock
    /** Handler failures not yet thrown, oldest first; guarded by itself (handlers may fail on any thread). */
    private final List<HandlerFailedException> failures = new ArrayList<>();
    /** Reports into {@link #failures}; one object, handed to every system on this time base. */
    private final HandlerFailureHook failureHook = this::handlerFailed;

    /** A time base starting at 0. */
    public VirtualTimebase() {
        this(0);
    }

    /**
     * A time base starting at {@code start}.
     *
     * @param start the initial sbintime, {@code >= 0}
     */
    public VirtualTimebase(long start) {
        if (start < 0) {
            throw new IllegalArgumentException("VirtualTimebase: start must be >= 0, got " + start);
        }
        this.now = start;
    }

    /**
     * Adds a device that raises events on this time base (idempotent); a simulated timer calls it
     * when it is created.
     *
     * @param d the device
     */
    public synchronized void attach(Device d) {
        for (Device x : devices) {
            if (x == d) {
                return;
            }
        }
        Device[] grown = Arrays.copyOf(devices, devices.length + 1);
        grown[devices.length] = d;
        devices = grown;
    }

    /**
     * Records the clock whose tick {@link #advanceTicks} uses: the latest one built on this time
     * base, unless the previous one still drives a system.
     */
    synchronized void bind(ClockSource c) {
        ClockSource previous = clock;
        if (previous != null && previous != c && previous.live()) {
            throw new IllegalStateException("VirtualTimebase: already the timecounter of " + previous
                    + ", which drives a callout system; close that first");
        }
        clock = c;
        c.timebase = this;
    }

    @Override
    public long now() {
        return now;
    }

    /** {@return the hook that makes the next advance throw what a handler threw} */
    HandlerFailureHook failureHook() {
        return failureHook;
    }

    private void handlerFailed(Callout c, Throwable t) {
        HandlerFailedException e = new HandlerFailedException(c, t, now);
        synchronized (failures) {
            failures.add(e);
        }
    }

    /** Throws the failures reported so far, if any, as one exception (the first, the rest suppressed). */
    private void throwFailures(Throwable pending) {
        HandlerFailedException first = null;
        synchronized (failures) {
            for (int i = 0; i < failures.size(); i++) { // no iterator: advancing allocates nothing
                HandlerFailedException e = failures.get(i);
                if (pending != null) {
                    pending.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
            failures.clear();
        }
        if (first != null) {
            throw first;
        }
    }

    /** {@return the current time}: the timecounter ({@code sbinuptime}) */
    @Override
    public long getAsLong() {
        return now;
    }

    @Override
    public long interrupts() {
        advanceLock.lock();
        try {
            return interrupts;
        } finally {
            advanceLock.unlock();
        }
    }

    @Override
    public void advance(long delta) {
        if (delta < 0) {
            throw new IllegalArgumentException("advance: delta must be >= 0, got " + delta);
        }
        advanceTo(Sbt.add(now, delta));
    }

    @Override
    public void advanceTicks(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("advanceTicks: n must be >= 0, got " + n);
        }
        ClockSource c = clock;
        long tick = c == null ? 0 : c.tickSbt();
        if (tick == 0) {
            throw new IllegalStateException("advanceTicks: no callout system runs on this time base yet "
                    + "(build a clock source on it and a CalloutWheel on that clock)");
        }
        advance(n * tick); // n < 2^31 and tick <= 2^32: no overflow
    }

    @Override
    public void advanceTo(long target) {
        ClockSource bound = clock;
        if (advanceLock.isHeldByCurrentThread() || (bound != null && bound.ownsThread(Thread.currentThread()))) {
            throw new IllegalStateException("advanceTo: called from inside a callout handler (time cannot move under it)");
        }
        advanceLock.lock();
        try {
            if (target < now) {
                throw new IllegalArgumentException("advanceTo: target " + Sbt.format(target)
                        + " is before now " + Sbt.format(now));
            }
            guard.reset();
            try {
                advanceLocked(target);
            } catch (RuntimeException | Error e) {
                throwFailures(e); // the handlers' failures go with what stopped the advance
                throw e;
            }
            throwFailures(null);
        } finally {
            advanceLock.unlock();
        }
    }

    /** The body of {@link #advanceTo}: called with {@link #advanceLock} held and the target checked. */
    @GuardedBy("advanceLock")
    private void advanceLocked(long target) {
        for (;;) {
            ClockSource c = clock;
            if (c != null) {
                c.settle(); // a clock with threads of its own: what they were given is done first
            }
            if (c != null && c.endsAdvance()) {
                return; // a handler closed the system: time stays where that happened
            }
            int ipis = c == null ? 0 : c.deliverIpis(); // IPIs pending at now, in CPU order
            if (ipis > 0) {
                guard.count(now, ipis, "IPIs and events");
            }
            Device first = null;
            long next = SBT_MAX;
            for (Device d : devices) {
                long t = d.nextEventTime();
                if (t < next) {
                    next = t;
                    first = d;
                }
            }
            if (first == null || next > target) {
                break; // SBT_MAX: no event at all (a callout saturated there never runs)
            }
            if (target - next >= Sbt.SBT_1S && c != null && c.skipIdleTo(target)) {
                // Nothing can run before target: the interrupts on the way would each scan
                // an empty second of lookahead. Jump (a long idle advance costs O(1)).
                break;
            }
            long t = Math.max(next, now);
            guard.count(t, 1, "events");
            now = t;
            if (first.expire(t)) {
                interrupts++;
            }
        }
        now = target;
    }

    @Override
    public String toString() {
        return "VirtualTimebase[now=" + Sbt.format(now) + ", devices=" + devices.length + "]";
    }
}
