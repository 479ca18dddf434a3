package org.kcallout.bench.peers;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The JDK's {@link ForkJoinPool} used as a {@link ScheduledExecutorService}, which it is from JDK 25
 * on: a pool of one worker whose delayed tasks wait in the pool's own delay scheduler (a heap
 * owned by one scheduler thread, fed through a lock-free queue) and run on the worker when due. The
 * timer object is the {@link Runnable} holding the {@code Future} of its last arm, as for
 * {@link StpePeer}.
 *
 * <p>On an older JDK the pool is no scheduler and the peer cannot be created: {@link Peers#create}
 * throws {@link UnsupportedOperationException}, and {@code run-quick.sh} leaves this peer out
 * unless {@code java} is 25 or later.
 */
final class FjpPeer extends ScheduledExecutorPeer {
    private final ForkJoinPool pool;
    private final ScheduledExecutorService scheduler;

    FjpPeer(Expiry expiry) {
        super(expiry);
        ForkJoinPool p = new ForkJoinPool(1);
        if (!((Object) p instanceof ScheduledExecutorService)) {
            p.shutdownNow();
            throw new UnsupportedOperationException("peer " + Peers.FJP + " needs JDK 25 or later, where ForkJoinPool "
                    + "implements ScheduledExecutorService; this is JDK " + Runtime.version());
        }
        this.pool = p;
        this.scheduler = (ScheduledExecutorService) (Object) p;
    }

    @Override
    public String name() {
        return Peers.FJP;
    }

    @Override
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
