/**
 * Clock sources: FreeBSD's {@code kern_clocksource.c}. A clock source keeps time
 * ({@code sbinuptime}, {@code hardclocktime}, {@code ticks}), learns from the callout layer when
 * each CPU's next callout is due ({@code cpu_new_callout}) and calls {@code callout_process} then.
 *
 * <ul>
 *   <li>{@link org.kcallout.wheel.clock.ClockSource}: the base of every clock source.</li>
 *   <li>{@link org.kcallout.wheel.clock.TicklessClock} and its two modes: an ideal one-shot event
 *       timer per CPU, with no hardclock interrupts.
 *       {@link org.kcallout.wheel.clock.RealTimeTicklessClock} (the default) gives each CPU a
 *       thread that keeps its time and runs its softclock;
 *       {@link org.kcallout.wheel.clock.VirtualTicklessClock} delivers everything on the thread
 *       that moves virtual time; {@link org.kcallout.wheel.clock.ConcurrentVirtualClock} keeps time
 *       virtual but gives each CPU an interrupt thread and a softclock thread, so that CPUs run at
 *       once, and lets time move on only once they have settled.</li>
 *   <li>{@link org.kcallout.wheel.clock.EventTimerClock}: the eventtimers(9) clock source, on any
 *       {@link org.kcallout.et.EventTimer} driver, one-shot or periodic, with hardclock, statclock,
 *       idle tick skipping and simulated IPIs. Its class is split by the parts of the C file, each
 *       an abstract class the next extends: {@code ClockTimer} (the state and the timer
 *       programming), {@code ClockInterrupts} (interrupt handling, idle, {@code cpu_new_callout}),
 *       {@code ClockControl} (sysctls, profiling, frequency changes, deregistration); with the
 *       per-CPU state {@code ClockPcpu}, the IPIs {@code ClockIpis}, and {@code ClockRates} for
 *       {@code round_freq}.</li>
 *   <li>{@link org.kcallout.wheel.clock.VirtualTimebase}: virtual time for event-timer drivers;
 *       it, {@code VirtualTicklessClock} and {@code ConcurrentVirtualClock} are each a
 *       {@link org.kcallout.wheel.clock.VirtualClock}.</li>
 * </ul>
 *
 * <p>Thread safety: each class states its guards; the lock order is the callout layer's CPU locks
 * first, then a clock's own locks, and no clock holds its lock while it calls into the callout layer.
 *
 * <p>May depend on the API module, {@code org.kcallout.wheel.seam} (the only way it reaches the
 * callout layer: {@code CalloutLayer}), {@code org.kcallout.wheel.internal} (IPI queues) and
 * {@code org.kcallout.wheel.testing} (the concurrent virtual clock recognises a handler held at a
 * {@code HandlerGate}); never on {@code org.kcallout.wheel}, {@code .kern} or {@code .driver}.
 */
package org.kcallout.wheel.clock;
