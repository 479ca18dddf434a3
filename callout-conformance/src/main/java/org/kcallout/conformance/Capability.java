package org.kcallout.conformance;

/**
 * What an implementation under test declares it supports. A case that needs a capability the
 * implementation does not declare is skipped (reported as such), not failed.
 */
public enum Capability {
    /** The system can be built in the CLASSIC profile (FreeBSD 9 to 14 return values). */
    CLASSIC,
    /** The system has at least two CPUs. */
    SMP,
    /** {@code callout_async_drain} is supported. */
    ASYNC_DRAIN,
    /**
     * The harness's {@code advanceTicks} runs handlers on threads of their own and returns once
     * every handler due has returned or is parked on a {@code KMutex} that another thread holds, so
     * that a case can hold a handler mid-flight with a mutex and race against it (SEMANTICS §5).
     */
    CONCURRENT_DISPATCH
}
