/**
 * One small adapter per timer implementation behind {@link org.kcallout.bench.peers.TimerPeer}, and
 * the two floors: {@link org.kcallout.bench.peers.FloorWheel} (a bare intrusive hashed wheel, owner
 * thread only) and {@link org.kcallout.bench.peers.LockedFloorWheel} (the same with one lock and a
 * driver thread).
 *
 * <p>An adapter does what a careful user of that library would do and nothing more: no caching, no
 * batching the library does not do itself. Where the library forces an allocation or an extra
 * structure (a handle per arm, a map from timer id to object, a new task for a new delay), the
 * adapter pays it and its Javadoc says so, because a user pays it too.
 *
 * <p>Thread-safety: as the wrapped library. {@link org.kcallout.bench.peers.TimerPeer#ownerPolled()}
 * tells which adapters must be driven (armed, cancelled and polled) by one owner thread.
 */
package org.kcallout.bench.peers;
