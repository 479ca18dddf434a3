/**
 * The kcallout engine: FreeBSD's callout(9) on per-CPU hashed timing wheels, its clock sources and
 * event-timer drivers. Packages by C part (see each package-info and docs/ARCHITECTURE.md):
 * <ul>
 *   <li>{@code org.kcallout.wheel}: the public face, {@code CalloutWheel} and its builder;</li>
 *   <li>{@code org.kcallout.wheel.clock}: {@code kern_clocksource.c}, the clock sources;</li>
 *   <li>{@code org.kcallout.wheel.driver}: eventtimers(9) drivers and simulated timer hardware;</li>
 *   <li>{@code org.kcallout.wheel.testing}: aids for tests that force races;</li>
 *   <li>not exported: {@code kern} ({@code kern_timeout.c}, the engine), {@code seam} (the one
 *       seam between engine and clock) and {@code internal} (hand-off queues).</li>
 * </ul>
 */
module org.kcallout.wheel {
    requires transitive org.kcallout.api;
    requires org.jctools.core; // internal hand-off queues only; no JCTools type is in the API
    requires static com.google.errorprone.annotations; // @GuardedBy, for Error Prone at compile time

    exports org.kcallout.wheel;
    exports org.kcallout.wheel.clock;
    exports org.kcallout.wheel.driver;
    exports org.kcallout.wheel.testing;

    provides org.kcallout.spi.CalloutSystemProvider with org.kcallout.wheel.WheelProvider;
}
