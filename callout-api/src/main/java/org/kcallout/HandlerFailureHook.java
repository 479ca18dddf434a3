package org.kcallout;

/**
 * Receives what a callout handler (or an async-drain callback) threw (SPEC decision 5). The
 * invocation is then treated as if the handler had returned: the associated lock is released if
 * the dispatching thread still holds it, drainers are woken, and the softclock thread goes on.
 *
 * <p>The default hook logs through {@link System.Logger} at {@code ERROR}. A hook runs on the
 * dispatching thread; it must not block, and anything it throws is ignored.
 */
@FunctionalInterface
public interface HandlerFailureHook {
    /**
     * Reports one failure.
     *
     * @param callout the callout whose handler threw
     * @param failure what it threw
     */
    void handlerFailed(Callout callout, Throwable failure);
}
