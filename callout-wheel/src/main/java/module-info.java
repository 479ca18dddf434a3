/**
 * The kcallout engine: per-CPU hashed timing wheels, {@code callout_process}, the softclock
 * dispatcher, and the virtual and real-time event timers.
 */
module org.kcallout.wheel {
    requires transitive org.kcallout.api;
    requires org.jctools.core; // internal hand-off queues only; no JCTools type is in the API

    exports org.kcallout.wheel;

    provides org.kcallout.spi.CalloutSystemProvider with org.kcallout.wheel.WheelProvider;
}
