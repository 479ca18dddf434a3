package org.kcallout.demo;

import static org.kcallout.KernTimeout.*;
import static org.kcallout.demo.Conn.TCPS_CLOSED;
import static org.kcallout.demo.Conn.TCPS_CLOSING;
import static org.kcallout.demo.Conn.TCPS_OPEN;
import static org.kcallout.demo.Conn.TT_DELACK;
import static org.kcallout.demo.Conn.TT_KEEP;
import static org.kcallout.demo.Conn.TT_N;
import static org.kcallout.demo.Conn.TT_REXMT;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;

/**
 * A simulated TCP-like stack: a table of {@link Conn}s whose timers are driven through the
 * callout(9) facade ({@code import static org.kcallout.KernTimeout.*}) on whatever system
 * {@link org.kcallout.KernTimeout#setSystem} installed, plus exact accounting of every arm.
 *
 * <p>Drivers call {@link #tcpEvent(SplittableRandom)}: one random event on one random connection,
 * under that connection's mutex. Handlers run from the callout system. At the end,
 * {@link #closeAll()} stops and drains everything and {@link #result()} reports.
 *
 * <p>Thread safety: {@link #tcpEvent}, {@link #tcpClose} and the counters may be used from any
 * number of threads. {@link #result()} reads the lateness histogram, which only handlers write: call
 * it after {@link #closeAll()} (or after closing the callout system), which orders every handler's
 * writes before the read.
 */
final class Simulation {
    /* Implementation notes.
     *
     * Accounting. Every arm (callout_reset) gets a generation, recorded in tp.armedGen[which] under
     * tp.mtx; a slot holds the generation of the arm currently outstanding, 0 if none. An arm ends
     * in exactly one of two ways:
     *   fired      the handler runs (with tp.mtx held) and finds armedGen != 0; it clears it;
     *   cancelled  with tp.mtx held, callout_reset replaces it and returns 1, callout_stop removes
     *              it (returns 1, or 0: see below), or callout_drain removes it (returns 1).
     * Anything else is an error: a handler that finds armedGen == 0 (it fired twice, or after being
     * cancelled), or a cancellation reported for a slot with nothing outstanding, counts as a
     * duplicate; an outstanding arm that the engine dropped without running it and without
     * reporting a cancellation (reset returning 0, stop returning -1) is cleared here without being
     * counted, so it shows up in lost = armed - fired - cancelled - outstanding.
     *
     * Why the return values are exact (SPEC §4.4, §4.7, §5.2; MODERN profile). Every arm and every
     * stop happens with tp.mtx held, and every handler runs with tp.mtx held. So when a driver
     * holding tp.mtx looks at a timer, an invocation the softclock thread has already dequeued is
     * in one of two states:
     *   LOCKWAIT   blocked acquiring tp.mtx, cc_cancel still false: reset and stop set cc_cancel
     *              and return 1; the handler will not run. Exactly one arm (that invocation's)
     *              is cancelled: any arm made while it waits would have cancelled it already.
     *   tail       its handler already ran (and released tp.mtx), or it was cancelled while in
     *              LOCKWAIT, and the dispatcher has not yet cleared cc_curr: cc_cancel is true.
     *              reset returns 1 iff it removed a pending re-arm. stop, however, returns 0
     *              ("executing, could not be stopped") and *also* removes a pending re-arm if
     *              there is one (FreeBSD main's _callout_stop_safe; the man page says so). The
     *              invocation itself will not run a handler again, so after such a stop nothing
     *              of ours is outstanding: an arm recorded in armedGen was that pending re-arm,
     *              and it is counted as cancelled (stopRemovedRearm counts these).
     * Handlers arm with reset from inside themselves: cc_cancel is already true and nothing is
     * pending (any arm since the dispatch would have cancelled this invocation), so it returns 0.
     *
     * Closing: stop all three timers with tp.mtx held (exact, as above), mark the connection
     * closing so that no driver arms it, release tp.mtx, then callout_drain each timer: it waits
     * for a dispatcher still in its tail and finds nothing pending (returns -1). Draining with
     * tp.mtx held would deadlock against a dispatcher in LOCKWAIT, and the engine refuses it.
     *
     * Allocation: handlers are the static constants below and the argument is the Conn, so an arm
     * allocates nothing; counters are LongAdders (cells are created only under contention). */

    /** Events per 10 000 that send data (arm retransmit if idle; the delayed ACK rides along). */
    static final int P_SEND = 3000;
    /** ... that acknowledge everything outstanding (stop retransmit). */
    static final int P_ACK = 2500;
    /** ... that receive data (arm the delayed ACK if idle). */
    static final int P_RECEIVE = 2500;
    /** ... that close the connection (stop, drain, re-open). The rest are "activity" (keepalive). */
    static final int P_CLOSE = 5;

    /** Retransmit timeout range, milliseconds. */
    static final int RTO_MIN_MS = 200;
    static final int RTO_MAX_MS = 1000;
    /** Retransmissions before giving up ({@code TCP_MAXRXTSHIFT}, much smaller here). */
    static final int TCP_MAXRXTSHIFT = 3;
    /** Delayed-ACK timeout ({@code tcp_delacktime}), milliseconds. */
    static final int DELACK_MS = 40;
    /** Keepalive idle time range, milliseconds. */
    static final int KEEPIDLE_MIN_MS = 2000;
    static final int KEEPIDLE_MAX_MS = 5000;
    /** Keepalive probe interval ({@code tcp_keepintvl}), milliseconds. */
    static final int KEEPINTVL_MS = 1000;

    /** Largest lateness the histogram tracks, microseconds; larger values are clamped to it. */
    static final long MAX_LATE_US = 60_000_000L;

    /** {@code tcp_timer_rexmt}. */
    static final CalloutFunc<Conn> TCP_TIMER_REXMT = Simulation::tcpTimerRexmt;
    /** {@code tcp_timer_delack}. */
    static final CalloutFunc<Conn> TCP_TIMER_DELACK = Simulation::tcpTimerDelack;
    /** {@code tcp_timer_keep}. */
    static final CalloutFunc<Conn> TCP_TIMER_KEEP = Simulation::tcpTimerKeep;

    private final Conn[] conns;
    private final int hz;
    private final int delackTicks;
    private final int keepintvlTicks;

    private final LongAdder armed = new LongAdder();
    private final LongAdder fired = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder stopRemovedRearm = new LongAdder();
    private final LongAdder events = new LongAdder();
    private final LongAdder closes = new LongAdder();
    /**
     * Handler lateness in microseconds. Written only by handlers, which run on the softclock
     * thread of their connection's CPU (on a virtual clock, on the thread advancing time): with
     * several CPUs, several at once, so a ConcurrentHistogram, which records without locks or
     * allocation; see {@link #result()} for how the reader is ordered after the writers.
     */
    private final Histogram lateness = new ConcurrentHistogram(MAX_LATE_US, 3);

    /**
     * Opens {@code nconn} connections on the facade's current system (install it first with
     * {@link org.kcallout.KernTimeout#setSystem}).
     *
     * @param nconn number of connections, {@code >= 1}
     */
    Simulation(int nconn) {
        if (nconn < 1) {
            throw new IllegalArgumentException("connections must be >= 1, got " + nconn);
        }
        this.hz = hz();
        this.delackTicks = msToTicks(DELACK_MS);
        this.keepintvlTicks = msToTicks(KEEPINTVL_MS);
        this.conns = new Conn[nconn];
        int ncpus = system().ncpus();
        for (int i = 0; i < nconn; i++) {
            Conn tp = new Conn(this, i, i % ncpus);
            tcpTimerInit(tp);
            conns[i] = tp;
        }
    }

    /** {@code tcp_timer_init}: associates every timer with the connection mutex. */
    private static void tcpTimerInit(Conn tp) {
        for (Callout c : tp.timer) {
            callout_init_mtx(c, tp.mtx, 0);
        }
    }

    private int msToTicks(int ms) {
        return Math.max(1, (int) ((long) ms * hz / 1000));
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Driver events                                                                              */

    /**
     * One random event on one random connection: send, ack, receive, activity, or (rarely) close
     * and re-open.
     *
     * @param rng the calling driver's generator (not shared between threads)
     */
    void tcpEvent(SplittableRandom rng) {
        Conn tp = conns[rng.nextInt(conns.length)];
        int dice = rng.nextInt(10_000);
        events.increment();
        if (dice < P_CLOSE) {
            tcpClose(tp, true);
            return;
        }
        dice -= P_CLOSE;
        tp.mtx.lock();
        try {
            if (tp.state != TCPS_OPEN) {
                return; // another driver is closing it
            }
            if (dice < P_SEND) {
                tcpOutput(tp, rng);
            } else if (dice < P_SEND + P_ACK) {
                tcpAck(tp);
            } else if (dice < P_SEND + P_ACK + P_RECEIVE) {
                tcpInput(tp);
            } else {
                tcpActivity(tp, rng);
            }
        } finally {
            tp.mtx.unlock();
        }
    }

    /** "send": the delayed ACK rides on the segment; start the retransmit timer unless it runs. */
    private void tcpOutput(Conn tp, SplittableRandom rng) {
        timerStop(tp, TT_DELACK);
        // Benign race: the softclock thread may clear PENDING at any moment (when it dequeues the
        // callout, before it waits for tp.mtx). Seeing "not pending" then means we re-arm, which
        // cancels that waiting invocation (reset returns 1) and is accounted as such.
        if (!callout_pending(tp.timer[TT_REXMT])) {
            tp.rtoTicks = msToTicks(RTO_MIN_MS + rng.nextInt(RTO_MAX_MS - RTO_MIN_MS + 1));
            tp.rxtShift = 0;
            timerArm(tp, TT_REXMT, tp.rtoTicks, TCP_TIMER_REXMT);
        }
    }

    /** "ack": everything is acknowledged; stop retransmitting. */
    private void tcpAck(Conn tp) {
        timerStop(tp, TT_REXMT);
        tp.rxtShift = 0;
    }

    /** "receive": schedule a delayed ACK unless one is scheduled. */
    private void tcpInput(Conn tp) {
        if (!callout_pending(tp.timer[TT_DELACK])) { // same benign race as in tcpOutput
            timerArm(tp, TT_DELACK, delackTicks, TCP_TIMER_DELACK);
        }
    }

    /** "activity": push the keepalive back ({@code callout_reset} of {@code TT_KEEP}). */
    private void tcpActivity(Conn tp, SplittableRandom rng) {
        int ms = KEEPIDLE_MIN_MS + rng.nextInt(KEEPIDLE_MAX_MS - KEEPIDLE_MIN_MS + 1);
        timerArm(tp, TT_KEEP, msToTicks(ms), TCP_TIMER_KEEP);
    }

    /**
     * Idle traffic: arms the keepalive of every open connection once, as a last "activity" would,
     * and nothing else. The keepalive handler then probes every {@link #KEEPINTVL_MS} ms.
     *
     * @param rng the caller's generator, for the keepalive idle times
     */
    void armKeepalives(SplittableRandom rng) {
        for (Conn tp : conns) {
            tp.mtx.lock();
            try {
                if (tp.state == TCPS_OPEN) {
                    tcpActivity(tp, rng);
                }
            } finally {
                tp.mtx.unlock();
            }
        }
    }

    /**
     * Closes {@code tp}: stops its timers under its mutex, drains them without it, then re-opens it
     * (re-initialising the same callouts) or marks it closed. Does nothing if it is not open.
     *
     * @param tp     the connection
     * @param reopen re-open it afterwards, so the population stays the same
     * @return true if this call closed it
     */
    boolean tcpClose(Conn tp, boolean reopen) {
        tp.mtx.lock();
        try {
            if (tp.state != TCPS_OPEN) {
                return false;
            }
            tp.state = TCPS_CLOSING;
            for (int t = 0; t < TT_N; t++) {
                timerStop(tp, t);
            }
        } finally {
            tp.mtx.unlock();
        }
        // tcp_discardcb: drain without the inp lock; a dispatcher may still be finishing.
        for (int t = 0; t < TT_N; t++) {
            timerDrain(tp, t);
        }
        tp.mtx.lock();
        try {
            if (reopen) {
                tcpTimerInit(tp); // throws if a timer were still pending or running
                tp.rxtShift = 0;
                tp.state = TCPS_OPEN;
            } else {
                tp.state = TCPS_CLOSED;
            }
        } finally {
            tp.mtx.unlock();
        }
        closes.increment();
        return true;
    }

    /** Closes every open connection for good (call after the drivers stopped). */
    void closeAll() {
        for (Conn tp : conns) {
            tcpClose(tp, false);
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Handlers: run by the softclock thread with tp.mtx held                                    */

    private static void tcpTimerRexmt(Conn tp) {
        Simulation sim = tp.sim;
        if (!sim.timerFired(tp, TT_REXMT)) {
            return;
        }
        if (tp.rxtShift < TCP_MAXRXTSHIFT) {
            tp.rxtShift++; // back off and retransmit again
            sim.timerArm(tp, TT_REXMT, tp.rtoTicks << tp.rxtShift, TCP_TIMER_REXMT);
        } else {
            tp.rxtShift = 0; // a real stack would drop the connection here
        }
    }

    private static void tcpTimerDelack(Conn tp) {
        tp.sim.timerFired(tp, TT_DELACK); // the ACK goes out; nothing to re-arm
    }

    private static void tcpTimerKeep(Conn tp) {
        Simulation sim = tp.sim;
        if (sim.timerFired(tp, TT_KEEP)) {
            sim.timerArm(tp, TT_KEEP, sim.keepintvlTicks, TCP_TIMER_KEEP); // send a probe, wait again
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Timer primitives with accounting; tp.mtx held                                             */

    /** {@code callout_reset} of timer {@code which}, accounting for the arm it replaces. */
    private void timerArm(Conn tp, int which, int ticks, CalloutFunc<Conn> func) {
        assert tp.mtx.owned() : "timerArm without " + tp.mtx.name();
        // callout_reset_on to the connection's CPU, as TCP arms on inp_to_cpuid(inp); a callout
        // running on another CPU at that moment migrates when its handler returns (SPEC §5.6).
        int r = callout_reset_on(tp.timer[which], ticks, func, tp, tp.cpu);
        if (r == 1) {
            endOutstanding(tp, which);
        }
        // r == 0 with an arm outstanding: the engine dropped it without a word. It is overwritten
        // below without being counted, so it shows up in lost.
        tp.armedGen[which] = ++tp.gen;
        armed.increment();
    }

    /** {@code callout_stop} of timer {@code which}, accounting for what it removed. */
    private void timerStop(Conn tp, int which) {
        assert tp.mtx.owned() : "timerStop without " + tp.mtx.name();
        int r = callout_stop(tp.timer[which]);
        switch (r) {
            case 1: // a pending arm removed, or an invocation waiting for tp.mtx cancelled
                endOutstanding(tp, which);
                break;
            case 0: // a dispatcher in its tail; a pending re-arm, if any, was removed (see notes)
                if (tp.armedGen[which] != 0) {
                    stopRemovedRearm.increment();
                    endOutstanding(tp, which);
                }
                break;
            case -1: // nothing pending or running: an arm recorded here was lost by the engine
                tp.armedGen[which] = 0;
                break;
            default:
                throw new IllegalStateException("callout_stop returned " + r + " for timer " + which + " of " + tp);
        }
    }

    /** {@code callout_drain} of timer {@code which}, without tp.mtx. */
    private void timerDrain(Conn tp, int which) {
        int r = callout_drain(tp.timer[which]);
        if (r == 1) {
            // Not expected (stopped under tp.mtx, and nobody re-arms a closing connection), but a
            // removal is a cancellation: account for it.
            tp.mtx.lock();
            try {
                endOutstanding(tp, which);
            } finally {
                tp.mtx.unlock();
            }
        }
    }

    /** A cancellation was reported for timer {@code which}: end its outstanding arm. */
    private void endOutstanding(Conn tp, int which) {
        if (tp.armedGen[which] != 0) {
            tp.armedGen[which] = 0;
            cancelled.increment();
        } else {
            duplicates.increment(); // cancelled something we never armed, or twice
        }
    }

    /**
     * Handler entry: ends the outstanding arm of timer {@code which} as fired and records its
     * lateness.
     *
     * @return false (and a duplicate counted) if no arm was outstanding: the handler must do nothing
     */
    private boolean timerFired(Conn tp, int which) {
        assert tp.mtx.owned() : "handler without " + tp.mtx.name();
        if (tp.armedGen[which] == 0 || tp.state != TCPS_OPEN) {
            duplicates.increment();
            return false;
        }
        tp.armedGen[which] = 0;
        fired.increment();
        // c_time of the invocation now running: nobody re-arms it while we hold tp.mtx.
        long late = sbinuptime() - tp.timer[which].time();
        lateness.recordValue(Math.min(sbttous(Math.max(late, 0)), MAX_LATE_US));
        return true;
    }

    /* ---------------------------------------------------------------------------------------- */
    /* Counters and the result                                                                    */

    /** @return arms so far */
    long armed() {
        return armed.sum();
    }

    /** @return handler invocations so far that ended an outstanding arm */
    long fired() {
        return fired.sum();
    }

    /** @return arms cancelled so far */
    long cancelled() {
        return cancelled.sum();
    }

    /** @return driver events so far */
    long events() {
        return events.sum();
    }

    /** @return connections closed so far */
    long closes() {
        return closes.sum();
    }

    /** @return number of connections */
    int connections() {
        return conns.length;
    }

    /** @return arms outstanding now, counted under each connection's mutex */
    long outstanding() {
        long n = 0;
        for (Conn tp : conns) {
            tp.mtx.lock();
            try {
                for (long g : tp.armedGen) {
                    if (g != 0) {
                        n++;
                    }
                }
            } finally {
                tp.mtx.unlock();
            }
        }
        return n;
    }

    /**
     * The final accounting. Call after {@link #closeAll()}: every handler ran with its connection's
     * mutex held, and closeAll took each mutex after that connection's last possible handler, so
     * the histogram's writes happen before this read.
     *
     * @return the result
     */
    Result result() {
        long outstanding = outstanding();
        long a = armed.sum();
        long f = fired.sum();
        long c = cancelled.sum();
        long lost = a - f - c - outstanding;
        long p50 = lateness.getTotalCount() == 0 ? 0 : lateness.getValueAtPercentile(50.0);
        long p99 = lateness.getTotalCount() == 0 ? 0 : lateness.getValueAtPercentile(99.0);
        return new Result(a, f, c, outstanding, lost, duplicates.sum(), stopRemovedRearm.sum(),
                lateness.getTotalCount(), p50, p99, events.sum(), closes.sum());
    }
}
