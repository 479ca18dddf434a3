package org.kcallout.bench.peers;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Floor, locked: {@link FloorWheel} behind one {@link ReentrantLock} (the role of kcallout's per-CPU
 * lock), with a daemon driver thread that wakes at every bucket boundary (about 4 ms) and expires
 * what is due, handlers included, under the lock. It is the cost floor for arm and cancel from any
 * thread; its timeliness (up to a bucket late) and its idle wake-ups are not targets.
 */
public final class LockedFloorWheel extends FloorWheel {
    private final ReentrantLock lock = new ReentrantLock();
    private final Thread driver;
    private final boolean node56;
    private volatile boolean running = true;

    /**
     * @param expiry what a firing does
     * @param node56 timers of 56 bytes, as a kcallout {@code Callout} ({@link Peers#FLOOR_LOCKED_56}),
     *               instead of 32
     */
    LockedFloorWheel(Expiry expiry, boolean node56) {
        super(expiry);
        this.node56 = node56;
        driver = new Thread(this::drive, "floor-locked");
        driver.setDaemon(true);
        driver.start();
    }

    private void drive() {
        while (running) {
            long now = now();
            lock.lock();
            try {
                expire(now);
            } finally {
                lock.unlock();
            }
            long next = ((now >> SHIFT) + 1) << SHIFT;
            LockSupport.parkNanos(next - now());
        }
    }

    @Override
    public String name() {
        return node56 ? Peers.FLOOR_LOCKED_56 : Peers.FLOOR_LOCKED;
    }

    @Override
    public Node newTimer() {
        return node56 ? new Node56() : new Node();
    }

    @Override
    public void arm(Node n, long delayNanos) {
        lock.lock();
        try {
            link(n, now() + delayNanos);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void cancel(Node n) {
        lock.lock();
        try {
            if (n.next != null) {
                unlink(n);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean ownerPolled() {
        return false;
    }

    @Override
    public int poll() {
        return 0;
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(driver);
        try {
            driver.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
