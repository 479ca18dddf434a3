package org.kcallout.demo;

import org.kcallout.Callout;
import org.kcallout.KMutex;

/**
 * One simulated connection: a cut-down {@code struct tcpcb} with its own mutex and the three
 * timers of the old {@code struct tcp_timer} the demo needs (retransmit, delayed ACK, keepalive),
 * plus the bookkeeping that lets {@link Simulation} account for every arm exactly.
 */
final class Conn {
    /* Implementation notes: mtx is this connection's INP_WLOCK. Every mutable field is guarded by
     * it, including armedGen, which is what makes the accounting exact: arms (by drivers and by
     * handlers) and cancellations all happen with mtx held, and every handler runs with mtx held
     * (callout_init_mtx), so the record and the callout's state change together.
     *
     * state transitions, all under mtx:
     *   TCPS_OPEN    -> TCPS_CLOSING   tcpClose: timers stopped, then drained with mtx released
     *   TCPS_CLOSING -> TCPS_OPEN      tcpClose with reopen: timers re-initialised
     *   TCPS_CLOSING -> TCPS_CLOSED    tcpClose without reopen (shutdown)
     * Drivers touch only TCPS_OPEN connections; a second closer finds the state changed and backs
     * off. */

    /** Timer index ({@code tcp_timer.h} names): retransmit. */
    static final int TT_REXMT = 0;
    /** Timer index: delayed ACK. */
    static final int TT_DELACK = 1;
    /** Timer index: keepalive. */
    static final int TT_KEEP = 2;
    /** Number of timers per connection. */
    static final int TT_N = 3;

    /** Open: drivers may use it. */
    static final int TCPS_OPEN = 0;
    /** Being closed: timers stopped and being drained; nobody arms them. */
    static final int TCPS_CLOSING = 1;
    /** Closed for good (end of the run). */
    static final int TCPS_CLOSED = 2;

    /** The stack this connection belongs to (as a tcpcb reaches its vnet); read by handlers. */
    final Simulation sim;
    /** Index in the connection table, for messages. */
    final int id;
    /** The callout CPU of this connection's timers ({@code inp_to_cpuid}): id % ncpus. */
    final int cpu;
    /** The connection lock ({@code INP_WLOCK}); associated with all three timers. */
    final KMutex mtx;
    /** The timers, indexed by {@code TT_*}; the objects live as long as the connection. */
    final Callout[] timer = {new Callout(), new Callout(), new Callout()};
    /**
     * Per timer: the generation of the arm currently outstanding (armed and neither fired nor
     * cancelled yet), or 0 if none. Guarded by mtx.
     */
    final long[] armedGen = new long[TT_N];

    /** Last generation handed out; guarded by mtx. */
    long gen;
    /** {@code TCPS_*}; guarded by mtx. */
    int state = TCPS_OPEN;
    /** Retransmit backoff shift ({@code t_rxtshift}); guarded by mtx. */
    int rxtShift;
    /** Base retransmit timeout in ticks ({@code t_rxtcur} before backoff); guarded by mtx. */
    int rtoTicks;

    Conn(Simulation sim, int id, int cpu) {
        this.sim = sim;
        this.id = id;
        this.cpu = cpu;
        this.mtx = new KMutex("tcpinp" + id);
    }

    @Override
    public String toString() {
        return "Conn[" + id + "]"; // no guarded field: may be called from any thread
    }
}
