package org.kcallout.bench.peers;

/**
 * Floor, unlocked: the least a hashed timing wheel can do. Intrusive doubly linked nodes, one
 * sentinel per bucket, buckets of 2^22 ns (about kcallout's 1/256 s) and 8192 of them (kcallout's
 * default {@code callwheelsize}); arm links at the tail, cancel unlinks, {@link #poll()} scans the
 * buckets from the last scan up to now and fires what is due. No lock, no precision, no handler
 * protocol, no CPU affinity: owner thread only.
 *
 * <p>Handlers run inside {@link #poll()}; they may re-arm or cancel their own node, not another
 * node of the bucket being scanned.
 */
public class FloorWheel implements TimerPeer<FloorWheel.Node> {
    /* Implementation notes: times are nanoseconds since construction, compared by subtraction.
     * cursor is the tick of the next bucket to scan; it never passes now's tick, so a node armed for
     * an earlier tick is linked into cursor's bucket and found by the next scan. A scan after a gap
     * longer than a revolution visits each bucket once. Fields are guarded by the owner thread (here)
     * or by LockedFloorWheel's lock. */

    static final int SHIFT = 22;
    static final int BUCKETS = 8192;
    static final int MASK = BUCKETS - 1;

    /** A timer: the user's object would extend or embed it. Unlinked iff {@code next == null}. */
    public static class Node {
        Node prev;
        Node next;
        long deadline;
    }

    /**
     * A timer node of 56 bytes, the size of a kcallout {@code Callout} (32 for {@link Node}, with
     * compressed pointers): the same list work over a heap laid out like kcallout's, to tell the
     * cost of the structure from the cost of a larger node (see {@code BENCHMARKS.md}).
     */
    static final class Node56 extends Node {
        long pad1;
        long pad2;
        long pad3;
    }

    private final Node[] wheel = new Node[BUCKETS];
    private final Expiry expiry;
    private final long origin = System.nanoTime();
    private long cursor;

    FloorWheel(Expiry expiry) {
        this.expiry = expiry;
        for (int i = 0; i < BUCKETS; i++) {
            Node s = new Node();
            s.prev = s;
            s.next = s;
            wheel[i] = s;
        }
    }

    final long now() {
        return System.nanoTime() - origin;
    }

    final void link(Node n, long deadline) {
        if (n.next != null) {
            unlink(n);
        }
        long tick = deadline >> SHIFT;
        if (tick - cursor < 0) {
            tick = cursor;
        }
        Node head = wheel[(int) tick & MASK];
        Node tail = head.prev;
        n.deadline = deadline;
        n.prev = tail;
        n.next = head;
        tail.next = n;
        head.prev = n;
    }

    static void unlink(Node n) {
        Node p = n.prev;
        Node x = n.next;
        p.next = x;
        x.prev = p;
        n.prev = null;
        n.next = null;
    }

    final int expire(long now) {
        long nowTick = now >> SHIFT;
        if (nowTick - cursor >= BUCKETS) {
            cursor = nowTick - (BUCKETS - 1);
        }
        int fired = 0;
        for (;;) {
            Node head = wheel[(int) cursor & MASK];
            Node n = head.next;
            while (n != head) {
                Node next = n.next;
                if (n.deadline - now <= 0) {
                    unlink(n);
                    fired++;
                    expiry.expired(n);
                }
                n = next;
            }
            if (cursor - nowTick >= 0) {
                return fired; // now's bucket stays current: it may hold later timers of this tick
            }
            cursor++;
        }
    }

    @Override
    public String name() {
        return Peers.FLOOR_UNLOCKED;
    }

    @Override
    public Node newTimer() {
        return new Node();
    }

    @Override
    public void arm(Node n, long delayNanos) {
        link(n, now() + delayNanos);
    }

    @Override
    public void cancel(Node n) {
        if (n.next != null) {
            unlink(n);
        }
    }

    @Override
    public boolean ownerPolled() {
        return true;
    }

    @Override
    public int poll() {
        return expire(now());
    }

    @Override
    public void close() {
    }
}
