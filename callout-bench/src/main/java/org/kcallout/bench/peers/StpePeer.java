package org.kcallout.bench.peers;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's {@link ScheduledThreadPoolExecutor} with one daemon thread, with or without
 * {@link ScheduledThreadPoolExecutor#setRemoveOnCancelPolicy(boolean) remove-on-cancel}. The timer
 * object is the {@link Runnable} holding the {@link Future} of its last arm.
 *
 * <p>What it costs: a {@code ScheduledFutureTask} per arm, an O(log n) heap under one lock, and,
 * without remove-on-cancel, every cancelled task stays in the heap until its delay elapses (the
 * classic leak of the retransmit-timer pattern: at millions of arm+cancel per second with 1-10 s
 * delays, tens of millions of dead tasks).
 */
final class StpePeer implements TimerPeer<StpePeer.Slot> {
    private final String name;
    private final ScheduledThreadPoolExecutor ex;
    private final Expiry expiry;

    /** The user's timer object. */
    final class Slot implements Runnable {
        Future<?> future;

        @Override
        public void run() {
            expiry.expired(this);
        }
    }

    StpePeer(String name, boolean removeOnCancel, Expiry expiry) {
        this.name = name;
        this.expiry = expiry;
        this.ex = new ScheduledThreadPoolExecutor(1, Peers.daemons(name));
        ex.setRemoveOnCancelPolicy(removeOnCancel);
        ex.prestartAllCoreThreads();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Slot newTimer() {
        return new Slot();
    }

    @Override
    public void arm(Slot s, long delayNanos) {
        Future<?> old = s.future;
        if (old != null) {
            old.cancel(false);
        }
        s.future = ex.schedule(s, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void cancel(Slot s) {
        Future<?> old = s.future;
        if (old != null) {
            old.cancel(false);
            s.future = null;
        }
    }

    @Override
    public void close() {
        ex.shutdownNow();
    }
}
