package org.kcallout.et;

/**
 * The consumer's event callback: FreeBSD's {@code et_event_cb_t},
 * {@code void (*)(struct eventtimer *et, void *arg)}, with the argument typed and the CPU made
 * explicit. Given to {@link EventTimers#init}; run by the driver through
 * {@link EventTimer#fire(int)} on each event.
 *
 * <p>It runs on the driver's thread, in what the kernel calls interrupt context: it must not block
 * and should be short. Build it once (a static method reference or a non-capturing lambda), as C
 * passes a function pointer.
 *
 * @param <A> the argument type ({@code void *arg} in C)
 */
@FunctionalInterface
public interface EtEventCb<A> {
    /**
     * Handles one event.
     *
     * @param et  the timer that raised it
     * @param cpu the CPU whose instance raised it (per-CPU timers); for a global timer the CPU it
     *            was started for, or {@link EventTimer#NOCPU}. In FreeBSD this is {@code curcpu}
     *            inside the interrupt handler
     * @param arg the argument given to {@code et_init} ({@code et_arg})
     */
    void event(EventTimer et, int cpu, A arg);
}
