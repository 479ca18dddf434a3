package org.kcallout.et;

/**
 * The consumer's deregister callback: FreeBSD's {@code et_deregister_cb_t},
 * {@code int (*)(struct eventtimer *et, void *arg)}. Given to {@link EventTimers#init};
 * called by {@link EventTimers#deregister} when the driver withdraws a timer the consumer holds.
 *
 * <p>To let the timer go, the consumer stops using it before returning (typically
 * {@code et_stop} on every CPU, {@code et_free}, and moving to another timer) and returns 0. To
 * refuse, it returns non-zero (for example {@link KernEt#EBUSY}): {@code et_deregister} returns
 * that value unchanged and the timer stays registered. It is called without {@code ET_LOCK}
 * held (unless the driver holds it), so it may take the lock to find and claim another timer.
 *
 * <p>Pitfall: while the callback runs, the departing timer is still in the list, and once freed it
 * is inactive, so {@code et_find} can return it again (often first, since it was the best). Find
 * the successor <em>before</em> freeing the departing timer (while it is active, {@code et_find}
 * skips it), all under {@code ET_LOCK} (here with the C names on the callback's registry):
 * <pre>{@code
 * KernEt.Bound kern = KernEt.on(ets);
 * kern.ET_LOCK();
 * try {
 *     EventTimer next = kern.et_find(null, ET_FLAGS_ONESHOT, ET_FLAGS_ONESHOT); // skips et: active
 *     stopOnAllCpus(et);                                                       // et_stop(et, cpu) ...
 *     kern.et_free(et);
 *     return next == null ? EBUSY : kern.et_init(next, TIMERCB, DEREGISTER, state); // then start next
 * } finally {
 *     kern.ET_UNLOCK();
 * }
 * }</pre>
 *
 * @param <A> the argument type ({@code void *arg} in C)
 */
@FunctionalInterface
public interface EtDeregisterCb<A> {
    /**
     * Asks the consumer to give the timer up.
     *
     * @param et  the timer being deregistered
     * @param arg the argument given to {@code et_init} ({@code et_arg})
     * @return 0 to let the deregistration proceed, non-zero to refuse it
     */
    int deregister(EventTimer et, A arg);
}
