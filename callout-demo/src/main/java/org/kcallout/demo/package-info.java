/**
 * A demo that uses kcallout the way a ported network driver would: a population of simulated
 * connections ({@link org.kcallout.demo.Conn}, a cut-down {@code struct tcpcb}), each with its own
 * mutex and three lock-associated callouts (retransmit, delayed ACK, keepalive), driven by a few
 * threads that send, acknowledge, receive and close at a paced rate, on the real-time event timer.
 *
 * <p>The code reads like a port of a BSD TCP stack: it installs its callout system with
 * {@link org.kcallout.KernTimeout#setSystem} and then uses the C names
 * ({@code callout_init_mtx}, {@code callout_reset}, {@code callout_stop}, {@code callout_drain},
 * {@code callout_pending}) through {@code import static org.kcallout.KernTimeout.*}. Handlers are
 * static constants, so arming allocates nothing.
 *
 * <p>Every arm, fire and cancellation is accounted exactly (see {@link org.kcallout.demo.Simulation}),
 * and the run fails (exit status 1) if any arm is lost or any handler runs for an arm that is not
 * outstanding. The simulation ({@link org.kcallout.demo.Simulation},
 * {@link org.kcallout.demo.Driver}) is separate from the real-time main loop
 * ({@link org.kcallout.demo.Demo}), so a test can run it on a virtual clock.
 *
 * <p>Threads: the simulation's per-connection state is guarded by each connection's mutex; its
 * counters are {@link java.util.concurrent.atomic.LongAdder}s; the lateness histogram is written
 * by handlers only, on the softclock threads of the callout CPUs ({@code --cpus}), and is a
 * ConcurrentHistogram. Depends on
 * {@code org.kcallout.wheel} (for the engine and its real-time clock) and HdrHistogram.
 */
package org.kcallout.demo;
