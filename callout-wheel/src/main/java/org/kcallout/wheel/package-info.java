/**
 * The kcallout engine: FreeBSD's {@code kern_timeout.c} on per-CPU hashed timing wheels.
 *
 * <p>{@link org.kcallout.wheel.CalloutWheel} implements {@link org.kcallout.CalloutSystem}; a
 * {@link org.kcallout.wheel.ClockSource} drives it: {@link org.kcallout.wheel.RealTimeEventTimer}
 * (default; one softclock thread per CPU that also waits for its CPU's deadlines, plus a watchdog
 * thread for overdue ones) or
 * {@link org.kcallout.wheel.VirtualEventTimer} (deterministic: time moves when a test says, and
 * everything due runs on the caller's thread). {@link org.kcallout.wheel.HandlerGate} and
 * {@link org.kcallout.wheel.CalloutObserver} let tests hold a handler or a waiter mid-flight.
 *
 * <p>The eventtimers(9) clock source, {@link org.kcallout.wheel.EventTimerClock}
 * ({@code kern_clocksource.c}), runs a callout system on any {@link org.kcallout.et.EventTimer}
 * of a registry, in one-shot or periodic mode, with hardclock, statclock, idle tick skipping, run-time
 * timer switches and frequency changes, on global or per-CPU timers (several CPUs reached through
 * simulated inter-processor interrupts). Drivers for it: {@link org.kcallout.wheel.RealTimeTimerDriver}
 * (a thread on {@code System.nanoTime}), {@link org.kcallout.wheel.VirtualTimerDriver} (virtual
 * time with fault injection) and {@link org.kcallout.wheel.ReloadTimerDriver} (QNX-style
 * {@code timer_load}/{@code timer_reload}/{@code timer_value} hardware, simulated by
 * {@link org.kcallout.wheel.SimulatedReloadTimer}). The virtual drivers count on a
 * {@link org.kcallout.wheel.VirtualTimebase}; it and {@code VirtualEventTimer} are both a
 * {@link org.kcallout.wheel.VirtualClock}, so a test can run on either.
 *
 * <p>Thread safety: every public method is safe from any thread. Each CPU has one lock guarding its
 * wheel, expire queue and execution state; the field-ownership table is in {@code CalloutCpu}. The
 * package ports kern_timeout.c's structure: {@code callout_cc_add} ({@code CalloutCpu.ccAdd}),
 * {@code callout_process} ({@code CalloutCpu.process}), {@code softclock_call_cc}
 * ({@code CalloutCpu.dispatch}), {@code callout_reset_sbt_on}, {@code _callout_stop_safe},
 * {@code callout_lock}, {@code callout_cpu_switch} ({@code CalloutWheel}). Depends on the API module,
 * {@code java.base}, and JCTools (only inside {@code org.kcallout.wheel.internal}).
 */
package org.kcallout.wheel;
