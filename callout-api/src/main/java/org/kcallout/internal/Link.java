package org.kcallout.internal;

/**
 * One node of an intrusive, circular, doubly linked list: a list sentinel (a callwheel bucket, the
 * expire queue) or the link part of a {@link org.kcallout.Callout} ({@code c_links}).
 *
 * <p>Not API, and it has no accessible members: the links are package-private and only
 * {@link CalloutAccess} reads and writes them, so holding a {@code Callout} gives no way to link it
 * anywhere. Sentinels are bare {@code Link}s (made by {@link CalloutAccess#newList()}) or the
 * engine's bucket subclass, so a bucket costs one small object and no callout fields.
 */
public class Link {
    /* Implementation notes: both fields are guarded by the lock of the list that holds the node (a
     * per-CPU callout lock for the wheel and the expire queue) and accessed plainly, by
     * CalloutAccess only. An unlinked node points to itself, so unlink is branch-free and "on no
     * list" is one comparison. The constructor is protected so that the engine's bucket class can
     * extend this one; a subclass outside this package still cannot reach the links. */

    /** Next node; guarded by the owning list's lock; {@code this} when on no list. */
    Link next = this;
    /** Previous node; guarded by the owning list's lock; {@code this} when on no list. */
    Link prev = this;

    /** Creates an unlinked node (a sentinel is an empty list). */
    protected Link() {
    }
}
