/**
 * Aids for tests that force the races of callout(9): {@link org.kcallout.wheel.testing.HandlerGate}
 * holds a handler mid-flight, and {@link org.kcallout.wheel.testing.CalloutObserver} says when the
 * dispatcher is about to wait for a callout's lock or a drainer is about to sleep. No C counterpart:
 * FreeBSD's {@code callout_test} module forces its races with real CPUs.
 *
 * <p>May depend on the API module only; the engine ({@code org.kcallout.wheel.kern}) calls the
 * observer.
 */
package org.kcallout.wheel.testing;
