package org.kcallout.bench.peers;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The JDK's {@link ScheduledThreadPoolExecutor} with one daemon thread, with or without
 * {@link ScheduledThreadPoolExecutor#setRemoveOnCancelPolicy(boolean) remove-on-cancel}. The timer
 * object is the {@link Runnable} holding the {@code Future} of its last arm.
 *
 * <p>What it costs: a {@code ScheduledFutureTask} per arm, an O(log n) heap under one lock, and,
 * without remove-on-cancel, every cancelled task stays in the heap until its delay elapses (the
 * classic leak of the retransmit-timer pattern: at millions of arm+cancel per second with 1-10 s
 * delays, tens of millions of dead tasks).
 */
final class StpePeer extends ScheduledExecutorPeer {
    private final String name;
    private final ScheduledThreadPoolExecutor ex;

    StpePeer(String name, boolean removeOnCancel, Expiry expiry) {
        super(expiry);
        this.name = name;
        this.ex = new ScheduledThreadPoolExecutor(1, Peers.daemons(name));
        ex.setRemoveOnCancelPolicy(removeOnCancel);
        ex.prestartAllCoreThreads();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    ScheduledExecutorService scheduler() {
        return ex;
    }

    @Override
    public void close() {
        ex.shutdownNow();
    }
}
