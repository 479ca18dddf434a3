package org.kcallout.bench.peers;

/**
 * The common face of every timer implementation the benchmarks compare.
 *
 * <p>A <em>timer</em> ({@code T}) is the object a user keeps per timer, created once with
 * {@link #newTimer()} and armed and cancelled any number of times. It is, or holds, whatever the
 * library hands back: the {@code Callout} itself for kcallout and the floors (intrusive: arming
 * returns nothing), a slot holding the {@code Timeout} (Netty), the {@code ScheduledFuture} (JDK),
 * the timer id (Agrona) or the {@code TimerTask} (Kafka). This is the brief's "arm returns a handle"
 * with the handle kept in the caller's object, where a real user keeps it, so that an implementation
 * that needs no per-arm handle is not charged for one.
 *
 * <p>Expiry calls the {@link Expiry} given to {@link Peers#create} with the timer object, on the
 * library's firing thread, or on the owner thread inside {@link #poll()} for an
 * {@linkplain #ownerPolled() owner-polled} implementation.
 *
 * @param <T> the per-timer object
 */
public interface TimerPeer<T> extends AutoCloseable {

    /** @return the name used in {@code @Param} and in reports */
    String name();

    /** @return a new, disarmed timer object */
    T newTimer();

    /**
     * Arms {@code timer} to expire {@code delayNanos} from now, replacing a pending arm (each
     * adapter uses the library's own re-arm, or cancels and arms if it has none).
     *
     * @param timer      a timer of this peer
     * @param delayNanos the delay, {@code >= 0}
     */
    void arm(T timer, long delayNanos);

    /**
     * Cancels {@code timer} if pending; a no-op otherwise.
     *
     * @param timer a timer of this peer
     */
    void cancel(T timer);

    /**
     * True if timers expire only when the owner thread calls {@link #poll()} (Agrona's
     * {@code DeadlineTimerWheel}, the unlocked floor). Such a peer must be armed, cancelled and
     * polled from one thread.
     *
     * @return whether the owner polls
     */
    default boolean ownerPolled() {
        return false;
    }

    /**
     * Expires, on the calling thread, every timer due now. Only for {@linkplain #ownerPolled()
     * owner-polled} peers; others return 0.
     *
     * @return the number of timers expired
     */
    default int poll() {
        return 0;
    }

    /** Stops the library's threads; pending timers are abandoned. */
    @Override
    void close();
}
