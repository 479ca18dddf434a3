/**
 * The one seam between the callout layer and the clock, as FreeBSD draws it between
 * {@code kern_timeout.c} and {@code kern_clocksource.c}. Not exported; any of it may change.
 *
 * <p>Two small interfaces, one per direction:
 * <ul>
 *   <li>{@link org.kcallout.wheel.seam.ClockPort}: what the callout layer calls on the clock. Besides
 *       the lifecycle calls made once (attach, start, stop), only {@code cpu_new_callout(cpu, bt,
 *       bt_opt)} and the time reads ({@code sbinuptime}, {@code hardclocktime}, {@code ticks}).</li>
 *   <li>{@link org.kcallout.wheel.seam.CalloutLayer}: what the clock calls on the callout layer:
 *       {@code callout_process(cpu, now)} and running a CPU's softclock, plus the few facts a clock
 *       needs (CPU count, {@code tick_sbt}, whether the system is closed).</li>
 * </ul>
 * {@link org.kcallout.wheel.seam.CpuThread} marks a thread that belongs to one CPU of one system
 * (a softclock thread, a clock's interrupt thread), so that {@code curcpu} and the lock-leak check
 * can recognise it. {@link org.kcallout.wheel.seam.ClockPorts} hands the callout layer the port of
 * a public clock object without making the port's methods public on that object.
 *
 * <p>May depend on {@code java.base} only. Both {@code org.kcallout.wheel.kern} (the callout layer)
 * and {@code org.kcallout.wheel.clock} (the clock source) depend on it; neither depends on the other's
 * classes.
 */
package org.kcallout.wheel.seam;
