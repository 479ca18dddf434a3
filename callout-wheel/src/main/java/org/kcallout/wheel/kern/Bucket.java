package org.kcallout.wheel.kern;

import org.kcallout.internal.Link;

/**
 * One callwheel bucket: the sentinel of a FIFO list of callouts, plus whether that list is in
 * {@code c_time} order.
 *
 * <p>FreeBSD's buckets are unsorted, so {@code callout_process} reads every callout of every bucket
 * it scans. Ours record whether every callout was appended at or after the time of the one before
 * it (the common case: equal delays armed one after another, or one periodic timer per bucket).
 * While that holds, the first callout of the bucket that is neither due nor mergeable ends the scan
 * of the bucket, because every callout after it is at least as late: the scan's results (what
 * expires, in what order, and the next event window) are the same, and it reads only what it
 * needs. The flag costs nothing in memory: it fits in the sentinel's alignment padding.
 */
final class Bucket extends Link {
    /* Implementation notes: sorted is guarded by the lock of the CPU that owns the bucket. It is
     * set when a callout is appended to an empty bucket and cleared when one is appended before the
     * time of the current tail; removals keep an ordered list ordered, so nothing else changes it. */

    /** True while the list is in nondecreasing {@code c_time} order; guarded by the CPU lock. */
    boolean sorted = true;

    Bucket() {
    }
}
