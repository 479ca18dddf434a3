package org.kcallout.bench.peers;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A JDK {@link ScheduledExecutorService} as a timer: the timer object is the {@link Runnable}
 * holding the {@link Future} of its last arm; a re-arm cancels that future and schedules anew.
 * What {@link StpePeer} and {@link FjpPeer} share.
 */
abstract class ScheduledExecutorPeer implements TimerPeer<ScheduledExecutorPeer.Slot> {
    private final Expiry expiry;

    /** The user's timer object. */
    final class Slot implements Runnable {
        Future<?> future;

        @Override
        public void run() {
            expiry.expired(this);
        }
    }

    ScheduledExecutorPeer(Expiry expiry) {
        this.expiry = expiry;
    }

    /** {@return the executor that schedules the timers} */
    abstract ScheduledExecutorService scheduler();

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
        s.future = scheduler().schedule(s, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void cancel(Slot s) {
        Future<?> old = s.future;
        if (old != null) {
            old.cancel(false);
            s.future = null;
        }
    }
}
