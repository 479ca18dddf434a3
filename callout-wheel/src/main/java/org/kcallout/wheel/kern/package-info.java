/**
 * The engine: FreeBSD's {@code kern_timeout.c}. Not exported; reached only through
 * {@code org.kcallout.wheel.CalloutWheel}.
 *
 * <ul>
 *   <li>{@link org.kcallout.wheel.kern.CalloutEngine}: the globals ({@code cc_cpu[]},
 *       {@code tick_sbt}, {@code tc_precexp}, the softclock threads), {@code callout_lock},
 *       {@code callout_cpu_switch}, {@code curcpu}, init and start; the
 *       {@link org.kcallout.wheel.seam.CalloutLayer} a clock drives.</li>
 *   <li>{@code CalloutCpu}: {@code struct callout_cpu}, {@code callout_cc_add},
 *       {@code callout_process}, {@code softclock}; {@code Bucket} and {@code ExecEntity}
 *       ({@code cc_exec}) are its parts, {@code CcLock} its lock.</li>
 *   <li>{@code SoftclockCallCc}: {@code softclock_call_cc}, the dispatcher.</li>
 *   <li>{@link org.kcallout.wheel.kern.CalloutReset}: {@code callout_when},
 *       {@code callout_reset_sbt_on}, {@code callout_schedule}.</li>
 *   <li>{@link org.kcallout.wheel.kern.CalloutStop}: {@code _callout_stop_safe} (stop, drain,
 *       async drain) in both profiles.</li>
 *   <li>{@code SoftclockThread}: a CPU's softclock thread, for clocks that do not run softclock
 *       themselves.</li>
 *   <li>{@code CalloutClose}: {@code close()} of the system, which C has no counterpart of.</li>
 *   <li>{@code CalloutStates}: the legal states of {@code c_iflags} (SPEC §3) as one table, which
 *       the parts above assert.</li>
 * </ul>
 *
 * <p>Thread safety: a callout is guarded by the lock of the CPU its {@code c_cpu} names; the
 * field-ownership table is in {@code CalloutCpu}. Lock order: a callout's own lock, then a CPU lock,
 * then the clock's locks.
 *
 * <p>May depend on the API module (with its internal bridge {@code org.kcallout.internal}),
 * {@code org.kcallout.wheel.seam} (the only way it reaches the clock: {@code ClockPort}) and
 * {@code org.kcallout.wheel.testing} (the observer); never on {@code org.kcallout.wheel},
 * {@code .clock} or {@code .driver}.
 */
package org.kcallout.wheel.kern;
