package org.kcallout.internal;

/**
 * One node of an intrusive, circular, doubly linked list.
 *
 * <p>Not API. A {@code Link} is either a list sentinel (a callwheel bucket, the expire queue) or the
 * link part of a {@link org.kcallout.Callout}. Sentinels are bare {@code Link}s, so a bucket costs one
 * small object and no callout fields.
 */
public class Link {
    /* Implementation notes: both fields are guarded by the lock of the list that holds the node
     * (a per-CPU callout lock for the wheel and the expire queue). An unlinked node points to itself,
     * so unlink is branch-free and idempotent checks are cheap. */

    /** Next node; guarded by the owning list's lock. */
    public Link next = this;
    /** Previous node; guarded by the owning list's lock. */
    public Link prev = this;

    /** Creates an unlinked node (a sentinel is an empty list). */
    public Link() {
    }

    /** True if this sentinel's list is empty, or this node is on no list. */
    public final boolean isEmpty() {
        return next == this;
    }

    /** Appends {@code n} just before this sentinel (at the tail). */
    public final void addLast(Link n) {
        Link tail = prev;
        n.prev = tail;
        n.next = this;
        tail.next = n;
        prev = n;
    }

    /** Unlinks this node from its list and leaves it pointing to itself. */
    public final void unlink() {
        Link p = prev;
        Link n = next;
        p.next = n;
        n.prev = p;
        next = this;
        prev = this;
    }
}
