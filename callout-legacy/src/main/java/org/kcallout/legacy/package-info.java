/**
 * FreeBSD's legacy {@code timeout(9)} API (FreeBSD 9 to 12; removed in 13.0): {@code timeout()},
 * {@code untimeout()}, {@code callout_handle_init()} and {@code CALLOUT_HANDLE_INITIALIZER} on a pool
 * of {@code ncallout} preallocated callouts ({@code docs/SEMANTICS.md} §7, cited as "SPEC §7").
 *
 * <ul>
 *   <li>{@link org.kcallout.legacy.TimeoutPool}: the pool and the Java-style methods; its class
 *       comment gives the semantics and the pitfalls (read the handle-recycling caveat).</li>
 *   <li>{@link org.kcallout.legacy.CalloutHandle}: {@code struct callout_handle}.</li>
 *   <li>{@link org.kcallout.legacy.LegacyTimeout}: the C-named functions on a default pool, to use
 *       beside {@code import static org.kcallout.KernTimeout.*}.</li>
 * </ul>
 *
 * <table>
 *   <caption>C to Java</caption>
 *   <thead><tr><th>C</th><th>C-named facade</th><th>Java style</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code typedef void timeout_t(void *)}</td><td colspan="2">{@link org.kcallout.CalloutFunc}</td></tr>
 *     <tr><td>{@code struct callout_handle h}</td><td colspan="2">{@link org.kcallout.legacy.CalloutHandle}</td></tr>
 *     <tr><td>{@code h = timeout(f, a, ticks)}</td><td>{@code h = timeout(F, a, ticks)}</td>
 *         <td>{@code h = pool.timeout(F, a, ticks)}, or allocation-free {@code pool.timeout(F, a, ticks, h)}</td></tr>
 *     <tr><td>{@code untimeout(f, a, h)}</td><td>{@code untimeout(F, a, h)}</td>
 *         <td>{@code pool.untimeout(F, a, h)} (returns whether it cancelled)</td></tr>
 *     <tr><td>{@code callout_handle_init(&h)}</td><td>{@code callout_handle_init(h)}</td><td>{@code h.clear()}</td></tr>
 *     <tr><td>{@code CALLOUT_HANDLE_INITIALIZER(&h)}</td><td>{@code CALLOUT_HANDLE_INITIALIZER()}</td>
 *         <td>{@code new CalloutHandle()}</td></tr>
 *     <tr><td>{@code h.callout}</td><td colspan="2">{@code h.callout()} (inspection only)</td></tr>
 *     <tr><td>{@code ncallout}, {@code kern.ncallout}</td><td colspan="2">{@code TimeoutPool.builder(sys).ncallout(n)}</td></tr>
 *     <tr><td>{@code panic("timeout table full")}</td><td colspan="2">{@link java.lang.IllegalStateException}</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Errors follow {@link org.kcallout.CalloutSystem}: {@link java.lang.IllegalArgumentException}
 * for a bad argument (null function or handle, {@code ncallout} outside
 * {@code [1, TimeoutPool.NCALLOUT_MAX]}, a handle of another pool), {@link java.lang.IllegalStateException}
 * for misuse (the pool is full, its system is closed), each message naming the C function; a rejected
 * call changes nothing. Where {@code timeout(9)} defines the outcome it is kept: ticks of 0 or less
 * mean 1, and {@code untimeout} with an empty handle, or one whose entry no longer carries the
 * function and argument, does nothing.
 *
 * <p>Lifecycle: a pool is bound to its system. After {@link org.kcallout.CalloutSystem#close()},
 * {@code timeout} throws {@link java.lang.IllegalStateException} without using an entry, no pool can
 * be built on the system, and {@code untimeout} still works: it finds nothing to cancel (close
 * stopped every pending timeout) and puts the entry back on the free list. The default pool of
 * {@link org.kcallout.legacy.LegacyTimeout}, unless installed with {@code setPool}, follows
 * {@link org.kcallout.KernTimeout#system()}: after {@code KernTimeout.setSystem} the next
 * {@code timeout} uses a new pool on the new system, while handles of the old pool still reach it.
 *
 * <p>Thread safety: every public method may be called from any thread, including from timeout
 * handlers. Each pool has one lock guarding its free list, its entries' bookkeeping and the handles
 * it fills in; the field-ownership tables are in {@code TimeoutPool}, {@code TimeoutEntry} and
 * {@code CalloutHandle}. Handlers run on the system's softclock thread with Giant held; no user code
 * runs under the pool lock.
 *
 * <p>Ports the legacy part of {@code kern_timeout.c}: the pool allocation of
 * {@code kern_timeout_callwheel_alloc}, {@code timeout}, {@code untimeout}, {@code callout_handle_init}
 * and {@code callout_cc_del}. Depends on the API module ({@code org.kcallout}) and {@code java.base}
 * only; it uses the engine through {@link org.kcallout.CalloutSystem}, so any implementation runs it.
 */
package org.kcallout.legacy;
