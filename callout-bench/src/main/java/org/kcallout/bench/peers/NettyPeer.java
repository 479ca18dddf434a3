package org.kcallout.bench.peers;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.util.concurrent.TimeUnit;

/**
 * Netty's {@link HashedWheelTimer} with a given tick and Netty's default 512 buckets, a daemon
 * worker, no leak detection and no pending limit. The timer object is the {@link TimerTask} (a
 * user's object would implement it) holding the {@link Timeout} of its last arm.
 *
 * <p>What Netty costs that kcallout does not: a new {@code HashedWheelTimeout} per arm; arms and
 * cancels go through two MPSC queues that the worker drains once per tick, at most 100 000 new
 * timeouts per tick; re-arm is cancel + new timeout (Netty has no reschedule).
 */
final class NettyPeer implements TimerPeer<NettyPeer.Slot> {
    private final String name;
    private final HashedWheelTimer timer;
    private final Expiry expiry;

    /** The user's timer object. */
    final class Slot implements TimerTask {
        Timeout timeout;

        @Override
        public void run(Timeout t) {
            expiry.expired(this);
        }
    }

    NettyPeer(String name, long tickMillis, Expiry expiry) {
        this.name = name;
        this.expiry = expiry;
        this.timer = new HashedWheelTimer(Peers.daemons(name), tickMillis, TimeUnit.MILLISECONDS, 512, false, -1);
        timer.start();
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
        Timeout old = s.timeout;
        if (old != null) {
            old.cancel();
        }
        s.timeout = timer.newTimeout(s, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void cancel(Slot s) {
        Timeout old = s.timeout;
        if (old != null) {
            old.cancel();
            s.timeout = null;
        }
    }

    @Override
    public void close() {
        timer.stop();
    }
}
