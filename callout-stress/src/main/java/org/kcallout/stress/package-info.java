/**
 * jcstress scenarios for the races of SPEC §5 (issue 5): one holder class per subject, each with
 * nested {@code @JCStressTest} classes whose every {@code @Outcome} says which SPEC rule allows or
 * forbids it. "SPEC" is {@code docs/SEMANTICS.md}; the section numbers below are its headings.
 *
 * <table>
 *   <caption>Subjects</caption>
 *   <tr><th>holder</th><th>race</th><th>SPEC</th></tr>
 *   <tr><td>{@link org.kcallout.stress.StopVsFire}</td><td>callout_stop against the dispatch of an
 *       expired callout (softclock, direct, and a handler that re-arms)</td><td>§4.7, §4.11, §5.1, §5.4</td></tr>
 *   <tr><td>{@link org.kcallout.stress.ResetVsFire}</td><td>callout_reset against the dispatch</td><td>§4.4, §5.1</td></tr>
 *   <tr><td>{@link org.kcallout.stress.DrainVsRearm}</td><td>callout_drain, callout_async_drain and
 *       drainAsync against a handler that re-arms itself</td><td>§4.4 5b, §4.8, §4.9, §5.5</td></tr>
 *   <tr><td>{@link org.kcallout.stress.MigrationVsStop}</td><td>callout_reset_on to another CPU
 *       against the handler, then stop or drain</td><td>§4.4 step 7, §4.7, §4.8, §5.6</td></tr>
 *   <tr><td>{@link org.kcallout.stress.LockWaitCancelVsDispatch}</td><td>stop or reset under the
 *       callout's mutex (or Giant) against a dispatcher waiting for it</td><td>§2.3, §4.7, §5.2</td></tr>
 *   <tr><td>{@link org.kcallout.stress.HandlerObservesPendingActive}</td><td>what the handler sees
 *       of pending/active while another thread stops or resets it</td><td>§4.10, §5.1, §5.2</td></tr>
 *   <tr><td>{@link org.kcallout.stress.TwoClockThreads}</td><td>two threads running callout_process
 *       for one CPU (a real-time softclock thread and the watchdog), in batches of one and of the
 *       default size</td><td>§6 (kcallout: no nesting, scanBatch)</td></tr>
 * </table>
 *
 * <p><b>How the scenarios drive the engine.</b> Each test instance builds its own
 * {@link org.kcallout.wheel.CalloutWheel} on a {@link org.kcallout.wheel.VirtualTicklessClock}
 * ({@code callwheelSize(16)}, one or two CPUs): such a system has no thread of its own, so
 * {@code vt.advance(0)} called by an actor runs {@code callout_process} and softclock, and so the
 * handler, <em>on that actor's thread</em>; the other actor stops, resets or drains from its own
 * thread. The callout is armed with {@code C_ABSOLUTE} at time 0, i.e. due at the first advance
 * (absolute times also keep {@code curcpu()} and its per-thread binding out of the arm). The
 * {@code @Arbiter} then advances the clock two seconds to show that nothing cancelled runs later,
 * and reads the final state. Virtual systems need no {@code close()}: there is no thread to stop,
 * and an unreferenced system is simply collected.
 *
 * <p>Blocking actors (a drainer, a dispatcher waiting for a mutex held by the other actor) are
 * safe under jcstress: every actor walks the test instances in the same order and blocks only on
 * something the other actor does on the same instance.
 *
 * <p><b>No {@code module-info.java}, on purpose.</b> jcstress runs tests on the class path, from
 * the shaded {@code target/jcstress.jar}: its generated runners live in this package and reach
 * the test classes reflectively, and its own jar and dependencies are not modules. The engine is
 * compiled and tested as modules in its own modules; here it is used as a library, through its
 * public API only.
 *
 * <p>Run: {@code callout-stress/run.sh quick} (what {@code mvn -B verify} runs) or
 * {@code callout-stress/run.sh long}; see {@code callout-stress/README-section.md}.
 */
package org.kcallout.stress;
