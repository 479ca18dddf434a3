package org.kcallout.wheel.kern;

import java.util.concurrent.CompletableFuture;
import org.kcallout.CalloutFunc;
import org.kcallout.Callout;

/**
 * One execution entity of a CPU ({@code struct cc_exec}): index 0 runs callouts from the softclock
 * thread, index 1 runs {@code C_DIRECT_EXEC} callouts from the event-timer interrupt.
 */
final class ExecEntity {
    /* Implementation notes: every field is guarded by the owning CalloutCpu's lock, except cancel,
     * which the dispatcher reads after taking the callout's own lock with the CPU lock dropped.
     * Cancellers write it holding both locks (SPEC §2.3, "cc_cancel invariant"), so for a caller that
     * follows the rules the callout lock alone orders the write before the read; volatile keeps the
     * documented misuse (reset without the lock, Giant not owned) free of torn or stale reads. */

    /** {@code cc_curr}: the callout being dispatched or run, or null; guarded by cpu.lock. */
    Callout curr;
    /** {@code cc_cancel}: see the implementation notes; written under cpu.lock and the callout lock. */
    volatile boolean cancel;
    /** {@code cc_waiting}: a drainer sleeps on cpu.drainCv for {@link #curr}; guarded by cpu.lock. */
    boolean waiting;
    /** {@code cc_drain}: the async-drain callback of the C form; guarded by cpu.lock. */
    CalloutFunc<Object> drainFn;
    /** Completion of {@code drainAsync} for {@link #curr}, or null; guarded by cpu.lock. */
    CompletableFuture<Void> drainFuture;
    /** The thread running {@link #curr} (to refuse a drain from inside the handler); guarded by cpu.lock. */
    Thread thread;
    /**
     * True once the dispatcher holds {@link #curr}'s lock and has decided to run the handler (the
     * moment {@link #cancel} becomes "too late"); false from the dispatch until then. Written
     * false under cpu.lock, true by the dispatcher holding the callout's lock but not cpu.lock; read
     * under cpu.lock by close(), whose answer only matters when its caller holds the callout's lock,
     * which orders the write before the read. A caller without that lock may read a stale value: it
     * then waits for the invocation in any case.
     */
    boolean started;
    /**
     * The thread running this entity's drain callback or completing its {@code drainAsync} stage
     * (after {@link #curr} was cleared), or null; guarded by cpu.lock. close() waits for it.
     */
    Thread callbackThread;

    /* The deferred-migration record (ce_migration_*); guarded by cpu.lock. migCpu == null: none. */
    CalloutCpu migCpu;
    long migTime;
    long migPrec;
    CalloutFunc<?> migFunc;
    Object migArg;

    /** {@code cc_cce_migrating}. */
    boolean migrating() {
        return migCpu != null;
    }

    /** {@code cc_cce_cleanup}: forgets the migration record. */
    void clearMigration() {
        migCpu = null;
        migFunc = null;
        migArg = null;
        migTime = 0;
        migPrec = 0;
    }

    /** True if a reset of {@link #curr} must not arm: a drain of any kind waits for it (SPEC §4.4 5b). */
    boolean drainPending() {
        return waiting || drainFn != null || drainFuture != null;
    }
}
