/**
 * The public face of the kcallout engine: {@link org.kcallout.wheel.CalloutWheel}, FreeBSD's
 * callout(9) ({@code kern_timeout.c}) as an {@link org.kcallout.CalloutSystem}, and its builder.
 *
 * <p>A {@link org.kcallout.wheel.clock.ClockSource} drives each system:
 * {@link org.kcallout.wheel.clock.RealTimeTicklessClock} by default (one thread per CPU that keeps
 * time for it, plus a watchdog), {@link org.kcallout.wheel.clock.VirtualTicklessClock} for
 * deterministic tests, or the eventtimers(9) clock source
 * {@link org.kcallout.wheel.clock.EventTimerClock} on any driver of
 * {@code org.kcallout.wheel.driver}. {@link org.kcallout.wheel.WheelProbe} drives one CPU by hand
 * and reads its scan state, for conformance tests.
 *
 * <p>Thread safety: every public method is safe from any thread.
 *
 * <p>Semantics: {@code docs/SEMANTICS.md} ("SPEC §N" in comments and {@code specNN_} in test names
 * refer to its sections and numbered cases).
 *
 * <p>Layering (see {@code docs/ARCHITECTURE.md}): this package may depend on the API module,
 * {@code org.kcallout.wheel.kern} (the engine), {@code org.kcallout.wheel.clock} (for the default
 * clock and the public clock type), {@code org.kcallout.wheel.seam} and
 * {@code org.kcallout.wheel.testing}. Nothing in the module depends on this package.
 */
package org.kcallout.wheel;
