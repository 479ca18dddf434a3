/**
 * MDEPX's callout framework ({@code kernel/callout/mdx_callout.c}, {@code include/sys/callout.h}):
 * one-shot callouts counted in raw timer ticks, kept per CPU in a list sorted by expiry where each
 * entry holds its delay after the previous one, and driven by a free-running, up-counting hardware
 * counter with a compare register ({@code struct mi_timer}).
 *
 * <ul>
 *   <li>{@link org.kcallout.mdx.MdxCallouts}: a framework for N CPUs, the {@code mdx_callout_*}
 *       functions as Java-style methods with MDEPX's return codes; its superclass
 *       {@link org.kcallout.mdx.MdxCpus} has the per-CPU plumbing ({@code PCPU_GET(cpuid)}, thread
 *       binding, the per-CPU timer state, the failure hook);</li>
 *   <li>{@link org.kcallout.mdx.KernMdx}: the same under the C names, on a default framework;</li>
 *   <li>{@link org.kcallout.mdx.MdxCallout}: {@code struct mdx_callout}, caller-owned and intrusive;</li>
 *   <li>{@link org.kcallout.mdx.MiTimer}: the driver interface ({@code struct mi_timer});
 *       {@link org.kcallout.mdx.MiTimer.Struct} its C shape;</li>
 *   <li>{@link org.kcallout.mdx.SimulatedMiTimer}: a deterministic counter-compare timer for tests;</li>
 *   <li>{@link org.kcallout.mdx.CounterCompareTimer}: the same hardware as an eventtimers(9)
 *       {@link org.kcallout.et.EventTimer} (one-shot), so that a FreeBSD-style clock source can run
 *       on it: delays converted to counts rounded up, long delays reached in steps, elapsed counts
 *       across a wrap exact;</li>
 *   <li>{@link org.kcallout.mdx.MdxCputime}: the built-in microsecond/tick conversions.</li>
 * </ul>
 *
 * <h2>From C to Java</h2>
 * <table class="striped">
 *   <caption>MDEPX names and their Java forms ({@code mdx} is an {@code MdxCallouts})</caption>
 *   <thead><tr><th scope="col">C</th><th scope="col">Java</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code struct mdx_callout c; mdx_callout_init(&c)}</td><td>{@code new MdxCallout()},
 *         {@code mdx.init(c)}</td></tr>
 *     <tr><td>{@code mdx_callout_set_ticks(&c, ticks, func, arg)}, {@code _locked}</td>
 *         <td>{@code mdx.setTicks(c, ticks, FUNC, arg)}, {@code mdx.setTicksLocked(...)}</td></tr>
 *     <tr><td>{@code mdx_callout_set(&c, usec, func, arg)}, {@code _locked}</td>
 *         <td>{@code mdx.set(c, usec, FUNC, arg)}, {@code mdx.setLocked(...)}</td></tr>
 *     <tr><td>{@code mdx_callout_cancel(&c)}</td><td>{@code mdx.cancel(c)}</td></tr>
 *     <tr><td>{@code mdx_callout_register(&mt)}</td><td>{@code mdx.register(mt)}</td></tr>
 *     <tr><td>{@code mdx_callout_callback(&mt)} on CPU k</td><td>{@code mdx.callback(k)}</td></tr>
 *     <tr><td>{@code mdx_callout_usec_to_ticks(u)}, {@code mdx_callout_ticks_to_usec(t)}</td>
 *         <td>{@code mdx.usecToTicks(u)}, {@code mdx.ticksToUsec(t)}</td></tr>
 *     <tr><td>{@code mdx_callout_ticks(&c)}, {@code mdx_callout_usec(&c)}</td>
 *         <td>{@code mdx.ticks(c)}, {@code mdx.usec(c)} (one CPU only)</td></tr>
 *     <tr><td>{@code PCPU_GET(cpuid)}</td><td>{@code mdx.curcpu()}</td></tr>
 *     <tr><td>{@code mi_tmr->state[cpu]}, {@code mi_tmr->count_saved[cpu]}</td>
 *         <td>{@code mdx.timerState(cpu)}, {@code mdx.countSaved(cpu)}</td></tr>
 *     <tr><td>{@code c.state}, {@code c.flags}, {@code c.ticks}, {@code c.ticks_orig}, {@code c.cpuid}</td>
 *         <td>{@code c.state()}, {@code c.flags()}, {@code c.ticks()}, {@code c.ticksOrig()},
 *             {@code c.cpuid()}</td></tr>
 *     <tr><td>{@code uint32_t}</td><td>{@code long} in {@code [0, 0xffffffff]}</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2>Where kcallout differs from MDEPX ({@code docs/SEMANTICS.md}, decision 8 and §9)</h2>
 * The return codes and behaviour are MDEPX's, except:
 * <ol>
 *   <li>The counts elapsed across a counter wrap are exact ({@code (count - saved) mod (maxcnt + 1)});
 *       MDEPX computes one count less per wrap. To keep the elapsed count unambiguous, the framework
 *       also never lets the next interrupt fall more than {@code maxcnt} counts after the baseline
 *       (MDEPX does when a long delay armed late in an interval becomes the head), takes a fresh
 *       baseline when it arms a callout on a running CPU whose list a cancel emptied (MDEPX measures
 *       from a baseline that may be periods old), and keeps deltas in {@code long}s that do not wrap
 *       (MDEPX's {@code uint32_t} sum of delay and elapsed can).</li>
 *   <li>A callout armed from a handler fires at its true deadline: the list is brought up to date
 *       before each handler runs (MDEPX can fire such a callout early by the counts the interrupt
 *       was late), an arm from a handler counts the time already spent in the batch, and the timer
 *       is programmed at the end of the batch from the count at that moment.</li>
 *   <li>Assertions and panics are exceptions; calls that would deadlock MDEPX's non-recursive
 *       spinlock (an unlocked set, or a cancel of the same CPU's callout, from a handler) throw
 *       {@link java.lang.IllegalStateException}; a handler's exception is reported and the batch goes
 *       on (SPEC decisions 3 and 5).</li>
 *   <li>There can be several frameworks (MDEPX has one): a callout belongs to the framework that first
 *       initialises or arms it, and every other one refuses it with
 *       {@link java.lang.IllegalStateException}, changing nothing.</li>
 * </ol>
 * Each is documented next to its code. Without late interrupts, handler arms, wraps or delays beyond
 * {@code maxcnt}, the sequence of {@code start}/{@code stop} calls and the list contents are MDEPX's.
 *
 * <h2>Thread safety and memory ordering</h2>
 * Every public method is thread-safe. Each CPU's list, baseline and timer state are guarded by
 * that CPU's lock; the callback holds it for its whole batch. A callout's fields are guarded by the
 * lock of the CPU it is queued on; its flag word, state and CPU are published with release writes
 * and read with acquire reads, so the getters of {@link org.kcallout.mdx.MdxCallout} return a
 * consistent snapshot without a lock. Accessor names give the memory mode: {@code xxxAcquire()} and
 * {@code setXxxRelease()} are acquire/release accesses through a {@code VarHandle},
 * {@code casXxx()} a compare-and-set; plain fields are touched only under the guard their comment
 * names.
 *
 * <p>Depends on {@code org.kcallout} (the API module, for {@link org.kcallout.CalloutFunc} and the
 * event-timer SPI {@code org.kcallout.et}) and {@code java.base} only; it does not use the callwheel
 * engine.
 */
package org.kcallout.mdx;
