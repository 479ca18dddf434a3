/**
 * kcallout: FreeBSD's callout(9) timer subsystem for the JVM.
 *
 * <p>A callout is a caller-allocated object ({@link org.kcallout.Callout}, {@code struct callout})
 * that runs a handler ({@link org.kcallout.CalloutFunc}, {@code callout_func_t}) once at a given
 * time, optionally with a lock ({@link org.kcallout.CalloutLock}, {@code c_lock}) held. A
 * {@link org.kcallout.CalloutSystem} provides what {@code kern_timeout.c} provides the kernel:
 * per-CPU hashed timing wheels, softclock threads that run expired handlers, direct execution from
 * the event-timer interrupt, and the exact stop/drain semantics that make lock-associated callouts
 * safe to cancel. The engine lives in a separate module ({@code org.kcallout.wheel}), found through
 * {@link org.kcallout.spi.CalloutSystemProvider}; this package depends on {@code java.base} only.
 *
 * <p>There are two ways to call it:
 * <ul>
 *   <li>the C names, for porting kernel code line by line: {@code import static
 *       org.kcallout.KernTimeout.*;} then {@code callout_reset(c, hz(), FOO, sc)}. These act on a
 *       default system ({@link org.kcallout.KernClock#system()}). {@link org.kcallout.KernTimeout} has
 *       callout(9) itself; the kernel variables, the uptime clocks and {@code sys/time.h} are those
 *       of its superclass {@link org.kcallout.KernClock}, which the same static import sees;</li>
 *   <li>Java-style methods on a {@link org.kcallout.CalloutSystem} you hold, for code that builds its
 *       own systems (several of them, virtual time in tests).</li>
 * </ul>
 * Time is a {@code long} sbintime (32.32 fixed-point seconds, {@link org.kcallout.Sbt}); the
 * semantics of stop and drain follow the system's {@link org.kcallout.Profile} (MODERN: FreeBSD
 * main, returning 1/0/-1; CLASSIC: the older manual).
 *
 * <h2>The contract</h2>
 * The full semantics (the profiles and their return values, the states of a callout, the races,
 * the clocks, and every decision kcallout took where FreeBSD is silent or wrong) are in
 * {@code docs/SEMANTICS.md} in the source repository. "SPEC §N", "SPEC decision N" and "SPEC case N"
 * in this documentation, in comments and in test names ({@code specNN_...}) refer to its sections,
 * its decisions and the numbered cases of its §11.
 *
 * <h2>Thread safety</h2>
 * Every {@link org.kcallout.CalloutSystem} method is thread-safe and may be called from any thread,
 * including from handlers; internally each CPU's state is guarded by its own lock, as
 * {@code cc_lock} guards it in FreeBSD. The queries on a {@link org.kcallout.Callout}
 * ({@code pending()}, {@code active()}, the field getters) read without any lock, exactly like the
 * C macros read the struct: the answer is a snapshot that may change as soon as it is read unless
 * you call it under the callout's associated lock or from its handler. {@code deactivate()} is an
 * unlocked read-modify-write of the caller-owned flag word, as in C: the subsystem writes that word
 * only inside arm, stop and drain calls, so serialise those and {@code deactivate()} with the
 * callout's lock (or your own) as C code does. {@link org.kcallout.KMutex} and the
 * adapters of {@link org.kcallout.CalloutLock#of} are thread-safe locks. Handlers run on the
 * system's softclock threads (or, for {@code C_DIRECT_EXEC}, on its event-timer thread, where they
 * must not block).
 *
 * <h2>From C to Java</h2>
 * <table class="striped">
 *   <caption>C names, their facade call ({@code KernTimeout}, statically imported) and the
 *   Java-style equivalent ({@code sys} is a {@code CalloutSystem})</caption>
 *   <thead>
 *     <tr><th scope="col">C</th><th scope="col">Facade</th><th scope="col">Java style</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><th scope="row" colspan="3">Types and data</th></tr>
 *     <tr><td>{@code struct callout c;}</td><td>{@code final Callout c = new Callout();}</td>
 *         <td>{@link org.kcallout.Callout}</td></tr>
 *     <tr><td>{@code c.c_time}</td><td>-</td><td>{@link org.kcallout.Callout#time() c.time()}</td></tr>
 *     <tr><td>{@code c.c_precision}</td><td>-</td>
 *         <td>{@link org.kcallout.Callout#precision() c.precision()}</td></tr>
 *     <tr><td>{@code c.c_func}</td><td>-</td><td>{@link org.kcallout.Callout#func() c.func()}</td></tr>
 *     <tr><td>{@code c.c_arg}</td><td>-</td><td>{@link org.kcallout.Callout#arg() c.arg()}</td></tr>
 *     <tr><td>{@code c.c_lock}</td><td>-</td><td>{@link org.kcallout.Callout#lock() c.lock()}</td></tr>
 *     <tr><td>{@code c.c_flags}</td><td>-</td><td>{@link org.kcallout.Callout#flags() c.flags()}</td></tr>
 *     <tr><td>{@code c.c_iflags}</td><td>-</td><td>{@link org.kcallout.Callout#iflags() c.iflags()}</td></tr>
 *     <tr><td>{@code c.c_cpu}</td><td>-</td><td>{@link org.kcallout.Callout#cpu() c.cpu()}</td></tr>
 *     <tr><td>{@code callout_func_t}, {@code void foo(void *arg)}</td>
 *         <td>{@code static final CalloutFunc<Softc> FOO = Softc::foo;}</td>
 *         <td>{@link org.kcallout.CalloutFunc CalloutFunc&lt;A&gt;}{@code .call(arg)}</td></tr>
 *     <tr><td>{@code struct mtx}, {@code mtx_init(&m, "foo", NULL, MTX_DEF)}</td>
 *         <td>{@code new KMutex("foo")}</td>
 *         <td>{@link org.kcallout.KMutex}; or a {@code ReentrantLock} through
 *             {@link org.kcallout.CalloutLock#of(java.util.concurrent.locks.ReentrantLock)}</td></tr>
 *     <tr><td>{@code mtx_lock}, {@code mtx_unlock}, {@code mtx_trylock}, {@code mtx_owned},
 *             {@code mtx_assert(&m, MA_OWNED)}</td>
 *         <td>{@code m.lock()}, {@code m.unlock()}, {@code m.tryLock()}, {@code m.owned()},
 *             {@code m.assertOwned()}</td>
 *         <td>the same {@link org.kcallout.KMutex} methods</td></tr>
 *     <tr><td>{@code struct rwlock}</td><td>a {@code ReentrantReadWriteLock}</td>
 *         <td>{@link org.kcallout.CalloutLock#of(java.util.concurrent.locks.ReentrantReadWriteLock)},
 *             or any {@link org.kcallout.CalloutLock} of kind {@code RW}</td></tr>
 *     <tr><td>{@code &Giant}</td><td>{@link org.kcallout.KernClock#Giant() Giant()}</td>
 *         <td>{@link org.kcallout.CalloutSystem#giant() sys.giant()}</td></tr>
 *     <tr><td>{@code sbintime_t}</td><td>{@code long}</td>
 *         <td>{@code long}, helpers in {@link org.kcallout.Sbt}</td></tr>
 *     <tr><td>{@code SBT_1S}, {@code SBT_1M}, {@code SBT_1MS}, {@code SBT_1US}, {@code SBT_1NS},
 *             {@code SBT_MAX}</td><td>same names</td><td>{@link org.kcallout.Sbt#SBT_1S Sbt.SBT_1S}, ...</td></tr>
 *     <tr><td>{@code ustosbt}, {@code mstosbt}, {@code nstosbt}, {@code sbttous}, {@code sbttoms},
 *             {@code sbttons}</td><td>same names</td>
 *         <td>{@link org.kcallout.Sbt#ustosbt Sbt.ustosbt(us)}, ...</td></tr>
 *     <tr><td>{@code CALLOUT_*}, {@code C_DIRECT_EXEC}, {@code C_HARDCLOCK}, {@code C_ABSOLUTE},
 *             {@code C_PRECALC}, {@code C_CATCH}, {@code C_PREL(x)}, {@code C_PRELGET(f)}</td>
 *         <td>same names</td><td>{@link org.kcallout.CalloutFlags CalloutFlags.*}</td></tr>
 *
 *     <tr><th scope="row" colspan="3">Kernel variables</th></tr>
 *     <tr><td>{@code hz}</td><td>{@link org.kcallout.KernClock#hz() hz()}</td>
 *         <td>{@link org.kcallout.CalloutSystem#hz() sys.hz()}</td></tr>
 *     <tr><td>{@code tick_sbt}</td><td>{@link org.kcallout.KernClock#tick_sbt() tick_sbt()}</td>
 *         <td>{@link org.kcallout.CalloutSystem#tickSbt() sys.tickSbt()}</td></tr>
 *     <tr><td>{@code ticks}</td><td>{@link org.kcallout.KernClock#ticks() ticks()}</td>
 *         <td>{@link org.kcallout.CalloutSystem#ticks() sys.ticks()}</td></tr>
 *     <tr><td>{@code sbinuptime()}</td><td>{@link org.kcallout.KernClock#sbinuptime() sbinuptime()}</td>
 *         <td>{@link org.kcallout.CalloutSystem#sbinuptime() sys.sbinuptime()}</td></tr>
 *     <tr><td>{@code getsbinuptime()}</td>
 *         <td>{@link org.kcallout.KernClock#getsbinuptime() getsbinuptime()}</td>
 *         <td>{@code sys.hardclocktime(sys.curcpu())}</td></tr>
 *     <tr><td>{@code curcpu}</td><td>{@link org.kcallout.KernClock#curcpu() curcpu()}</td>
 *         <td>{@link org.kcallout.CalloutSystem#curcpu() sys.curcpu()}</td></tr>
 *
 *     <tr><th scope="row" colspan="3">Initialisation</th></tr>
 *     <tr><td>{@code callout_init(&c, mpsafe)}</td><td>{@code callout_init(c, mpsafe)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#init sys.init(c, mpsafe != 0)}</td></tr>
 *     <tr><td>{@code callout_init_mtx(&c, &m, flags)}</td><td>{@code callout_init_mtx(c, m, flags)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#initLock sys.initLock(c, m, flags)}</td></tr>
 *     <tr><td>{@code callout_init_rw(&c, &rw, flags)}, {@code callout_init_rm}</td>
 *         <td>{@code callout_init_rw(c, rw, flags)}</td>
 *         <td>{@code sys.initLock(c, CalloutLock.of(rw), flags)}</td></tr>
 *
 *     <tr><th scope="row" colspan="3">Arming</th></tr>
 *     <tr><td>{@code callout_reset(&c, ticks, func, arg)}</td><td>{@code callout_reset(c, ticks, func, arg)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#reset sys.reset(c, ticks, func, arg)}</td></tr>
 *     <tr><td>{@code callout_reset_on(&c, ticks, func, arg, cpu)}</td><td>{@code callout_reset_on(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#resetOn sys.resetOn(...)}</td></tr>
 *     <tr><td>{@code callout_reset_curcpu(&c, ticks, func, arg)}</td><td>{@code callout_reset_curcpu(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#resetCurcpu sys.resetCurcpu(...)}</td></tr>
 *     <tr><td>{@code callout_reset_sbt(&c, sbt, pr, func, arg, flags)}</td><td>{@code callout_reset_sbt(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#resetSbt sys.resetSbt(...)}</td></tr>
 *     <tr><td>{@code callout_reset_sbt_on(&c, sbt, pr, func, arg, cpu, flags)}</td>
 *         <td>{@code callout_reset_sbt_on(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#resetSbtOn sys.resetSbtOn(...)}</td></tr>
 *     <tr><td>{@code callout_reset_sbt_curcpu(&c, sbt, pr, func, arg, flags)}</td>
 *         <td>{@code callout_reset_sbt_curcpu(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#resetSbtCurcpu sys.resetSbtCurcpu(...)}</td></tr>
 *     <tr><td>{@code callout_schedule(&c, ticks)}</td><td>{@code callout_schedule(c, ticks)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#schedule sys.schedule(c, ticks)}</td></tr>
 *     <tr><td>{@code callout_schedule_on(&c, ticks, cpu)}</td><td>{@code callout_schedule_on(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#scheduleOn sys.scheduleOn(...)}</td></tr>
 *     <tr><td>{@code callout_schedule_curcpu(&c, ticks)}</td><td>{@code callout_schedule_curcpu(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#scheduleCurcpu sys.scheduleCurcpu(...)}</td></tr>
 *     <tr><td>{@code callout_schedule_sbt(&c, sbt, pr, flags)}</td><td>{@code callout_schedule_sbt(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#scheduleSbt sys.scheduleSbt(...)}</td></tr>
 *     <tr><td>{@code callout_schedule_sbt_on(&c, sbt, pr, cpu, flags)}</td>
 *         <td>{@code callout_schedule_sbt_on(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#scheduleSbtOn sys.scheduleSbtOn(...)}</td></tr>
 *     <tr><td>{@code callout_schedule_sbt_curcpu(&c, sbt, pr, flags)}</td>
 *         <td>{@code callout_schedule_sbt_curcpu(...)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#scheduleSbtCurcpu sys.scheduleSbtCurcpu(...)}</td></tr>
 *     <tr><td>{@code callout_when(sbt, pr, flags, &res, &prec)}</td>
 *         <td>{@code long[] r = new long[2]; callout_when(sbt, pr, flags, r);} or
 *             {@code When w = callout_when(sbt, pr, flags);}</td>
 *         <td>{@link org.kcallout.CalloutSystem#when sys.when(sbt, pr, flags)}</td></tr>
 *
 *     <tr><th scope="row" colspan="3">Cancelling</th></tr>
 *     <tr><td>{@code callout_stop(&c)}</td><td>{@code callout_stop(c)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#stop sys.stop(c)}</td></tr>
 *     <tr><td>{@code callout_drain(&c)}</td><td>{@code callout_drain(c)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#drain sys.drain(c)}</td></tr>
 *     <tr><td>{@code callout_async_drain(&c, drain)}</td><td>{@code callout_async_drain(c, drain)}</td>
 *         <td>{@link org.kcallout.CalloutSystem#asyncDrain sys.asyncDrain(c, drain)}, or
 *             {@link org.kcallout.CalloutSystem#drainAsync sys.drainAsync(c)} for a
 *             {@code CompletionStage}</td></tr>
 *
 *     <tr><th scope="row" colspan="3">Macros</th></tr>
 *     <tr><td>{@code callout_pending(&c)}</td><td>{@code callout_pending(c)} (a {@code boolean})</td>
 *         <td>{@link org.kcallout.Callout#pending() c.pending()}</td></tr>
 *     <tr><td>{@code callout_active(&c)}</td><td>{@code callout_active(c)} (a {@code boolean})</td>
 *         <td>{@link org.kcallout.Callout#active() c.active()}</td></tr>
 *     <tr><td>{@code callout_deactivate(&c)}</td><td>{@code callout_deactivate(c)}</td>
 *         <td>{@link org.kcallout.Callout#deactivate() c.deactivate()}</td></tr>
 *   </tbody>
 * </table>
 * Where C takes {@code &c}, Java takes the {@code Callout} reference. The C macros
 * {@code callout_pending} and {@code callout_active} return the flag value (4 or 2 when set); the
 * Java ones return {@code boolean}, which is what every {@code if (callout_pending(c))} means.
 *
 * <h2>Pitfalls</h2>
 * <ul>
 *   <li><b>Build handlers once.</b> Arming allocates nothing only if the handler is a prebuilt
 *       object: a static method reference or a non-capturing lambda, or one kept in a field. A
 *       capturing lambda or a bound method reference ({@code this::tick}) written at the call site
 *       allocates on every arm. Pass per-call state as the argument, as C does with {@code void *arg}.</li>
 *   <li><b>Never drain with the callout's lock held, nor from its own handler.</b>
 *       {@code callout_drain} waits for a running handler, which may be waiting for that lock or be
 *       the caller itself; both would deadlock, so both throw {@link java.lang.IllegalStateException}.
 *       Use {@code callout_async_drain} or {@link org.kcallout.CalloutSystem#drainAsync} from a
 *       context that cannot wait.</li>
 *   <li><b>Stop a lock-associated callout with its lock held.</b> Only then is cancellation exact: an
 *       invocation already dispatched and waiting for the lock is cancelled too, and the handler will
 *       not run after {@code callout_stop} returns. Without the lock (other than Giant) the call
 *       throws; an MP-safe callout ({@code callout_init(c, 1)}) can always be running while you stop
 *       it, so check the return value or drain.</li>
 *   <li><b>ACTIVE is not cleared when a callout fires.</b> {@code callout_active(c)} stays true after
 *       the handler ran until {@code callout_deactivate}, stop or drain clears it (in MODERN, a stop
 *       that finds nothing to stop leaves it as it is). Handlers of MP-safe callouts use the manual's
 *       idiom: take your lock; if {@code callout_pending(c)}, it was re-armed, return; if
 *       {@code !callout_active(c)}, it was stopped, return; then {@code callout_deactivate(c)} and
 *       do the work.</li>
 *   <li><b>{@code callout_pending} turns false before the handler starts</b>, as soon as the
 *       dispatcher takes the callout; it does not mean "not running".</li>
 *   <li><b>Compare times and ticks by subtraction</b> ({@code a - b < 0}): {@code ticks} is an
 *       {@code int} that wraps.</li>
 * </ul>
 */
package org.kcallout;
