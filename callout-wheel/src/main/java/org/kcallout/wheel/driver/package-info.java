/**
 * eventtimers(9) drivers (FreeBSD's per-device files such as {@code hpet.c} or the local APIC
 * timer), for {@link org.kcallout.wheel.clock.EventTimerClock}:
 * {@link org.kcallout.wheel.driver.RealTimeTimerDriver} (a thread on {@code System.nanoTime}),
 * {@link org.kcallout.wheel.driver.VirtualTimerDriver} (virtual time, with fault injection), and
 * {@link org.kcallout.wheel.driver.ReloadTimerDriver} for QNX-style
 * {@code timer_load}/{@code timer_reload}/{@code timer_value} hardware
 * ({@link org.kcallout.wheel.driver.ReloadTimerHardware}, simulated by
 * {@link org.kcallout.wheel.driver.SimulatedReloadTimer}). {@link org.kcallout.wheel.driver.TimerCounts}
 * converts between sbintime and oscillator counts.
 *
 * <p>Thread safety: each driver guards its state with its own monitor and never holds it while it
 * calls the clock source's interrupt callback.
 *
 * <p>May depend on the API module ({@code org.kcallout.et}) and on
 * {@code org.kcallout.wheel.clock} (the virtual time base and the nanoTime timecounter) only.
 */
package org.kcallout.wheel.driver;
