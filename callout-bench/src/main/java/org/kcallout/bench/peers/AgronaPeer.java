package org.kcallout.bench.peers;

import java.util.concurrent.TimeUnit;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Agrona's {@link DeadlineTimerWheel}: single-threaded, owned and polled by one thread (Aeron's
 * duty-cycle pattern), on {@link System#nanoTime()} with a 2^20 ns (about 1 ms) tick and 1024 ticks
 * per wheel, as Aeron's conductors configure it.
 *
 * <p>The wheel stores only a {@code long} deadline per timer and hands back a timer id; to reach the
 * user's object on expiry the adapter keeps an id-to-object {@link Long2ObjectHashMap}, as a user
 * must. That map is counted in every figure (it is part of "everything included"). Re-arm is
 * cancel + schedule (the id changes). {@link #poll()} catches up tick by tick to now: Agrona's
 * {@code poll} advances at most one tick per call.
 */
final class AgronaPeer implements TimerPeer<AgronaPeer.Slot> {
    private static final long NONE = -1;

    private final DeadlineTimerWheel wheel =
            new DeadlineTimerWheel(TimeUnit.NANOSECONDS, System.nanoTime(), 1L << 20, 1024);
    private final Long2ObjectHashMap<Slot> byId = new Long2ObjectHashMap<>();
    private final Expiry expiry;
    private final DeadlineTimerWheel.TimerHandler handler;

    /** The user's timer object: the id of its pending timer, or -1. */
    static final class Slot {
        long id = NONE;
    }

    AgronaPeer(Expiry expiry) {
        this.expiry = expiry;
        this.handler = (unit, now, id) -> {
            Slot s = byId.remove(id);
            if (s != null) {
                s.id = NONE;
                this.expiry.expired(s);
            }
            return true;
        };
    }

    @Override
    public String name() {
        return Peers.AGRONA;
    }

    @Override
    public Slot newTimer() {
        return new Slot();
    }

    @Override
    public void arm(Slot s, long delayNanos) {
        long old = s.id;
        if (old != NONE) {
            wheel.cancelTimer(old);
            byId.remove(old);
        }
        long id = wheel.scheduleTimer(System.nanoTime() + delayNanos);
        s.id = id;
        byId.put(id, s);
    }

    @Override
    public void cancel(Slot s) {
        long old = s.id;
        if (old != NONE) {
            wheel.cancelTimer(old);
            byId.remove(old);
            s.id = NONE;
        }
    }

    @Override
    public boolean ownerPolled() {
        return true;
    }

    @Override
    public int poll() {
        long now = System.nanoTime();
        int n = 0;
        do {
            n += wheel.poll(now, handler, Integer.MAX_VALUE);
        } while (now - wheel.currentTickTime() >= 0);
        return n;
    }

    @Override
    public void close() {
        wheel.clear();
        byId.clear();
    }
}
