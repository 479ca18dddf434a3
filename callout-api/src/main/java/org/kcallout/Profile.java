package org.kcallout;

/**
 * Which FreeBSD behaviour a callout system reproduces, chosen when the system is built
 * ({@code docs/SEMANTICS.md}, decision 1; both profiles' return values, state by state, are its
 * §4.11).
 */
public enum Profile {
    /**
     * FreeBSD main (2024-2025), the default: {@code callout_stop} and {@code callout_drain} return
     * 1 (a pending invocation was removed, or a lock-waiting one cancelled), 0 (it is running and
     * could not be stopped) or -1 (neither pending nor running); drain leaves ACTIVE as the handler
     * left it; spin mutexes may be associated; plus FreeBSD 14's {@code callout_async_drain}, with
     * resets refused while its callback is recorded.
     */
    MODERN,
    /**
     * The older callout(9) manual that also documents {@code timeout}/{@code untimeout}: stop returns
     * non-zero only when it cancelled a pending callout (or the lock-waiting invocation), otherwise
     * 0; stop and drain always clear ACTIVE; drain is stop plus a wait for a running invocation, and
     * on return the callout is fully stopped; spin mutexes are rejected;
     * {@code callout_async_drain} does not exist (it throws {@link UnsupportedOperationException}).
     */
    CLASSIC
}
