package org.kcallout.bench.peers;

/** What a benchmark does when a timer fires; built once per peer, never per arm. */
@FunctionalInterface
public interface Expiry {
    /** Does nothing: for workloads where nothing is meant to fire. */
    Expiry IGNORE = timer -> {
    };

    /**
     * Called when {@code timer} fires, on the peer's firing thread (or the owner thread for an
     * owner-polled peer).
     *
     * @param timer the timer object returned by {@link TimerPeer#newTimer()}
     */
    void expired(Object timer);
}
