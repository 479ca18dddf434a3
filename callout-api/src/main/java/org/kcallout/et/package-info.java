/**
 * Event timers: FreeBSD's eventtimers(9) ({@code sys/timeet.h}, {@code kern/kern_et.c}), the layer
 * between timer hardware drivers and the clock source that turns their interrupts into hardclock,
 * statclock and callout processing.
 *
 * <ul>
 *   <li><b>Drivers</b> extend {@link org.kcallout.et.EventTimer} ({@code struct eventtimer}),
 *       describe the hardware (name, {@code ET_FLAGS_*} capabilities, quality, frequency, period
 *       range), implement {@code start(cpu, first, period)} and optionally {@code stop(cpu)},
 *       {@linkplain org.kcallout.et.EventTimers#register register}, and call
 *       {@code fire(cpu)} on every event.</li>
 *   <li><b>The consumer</b> (the clock source in {@code callout-wheel}) picks a timer with
 *       {@link org.kcallout.et.EventTimers#find find}, claims it with
 *       {@link org.kcallout.et.EventTimers#init init} giving its
 *       {@link org.kcallout.et.EtEventCb event callback}, drives it with {@code start} and
 *       {@code stop}, and releases it with {@code free}. It implements
 *       {@link org.kcallout.et.EventTimerConsumer} so that
 *       {@link org.kcallout.et.EventTimers#changeFrequency changeFrequency} can stop and
 *       restart the timer in use.</li>
 *   <li><b>The registry</b> {@link org.kcallout.et.EventTimers} is the list and the glue; there is
 *       one per object, each operation under one Java-style name that throws on the registry's own
 *       errors. {@link org.kcallout.et.KernEt} offers the C names with {@code kern_et.c}'s errno
 *       results: static functions on a default registry, and the same functions on any other one
 *       through {@link org.kcallout.et.KernEt#on KernEt.on(ets)}.</li>
 * </ul>
 *
 * <h2>Why an abstract class for the driver</h2>
 * {@code struct eventtimer} mixes fields the driver fills in with fields the registry and the
 * consumer own ({@code et_active}, the callbacks, {@code et_arg}). An abstract class keeps the
 * second kind private to this package and makes {@code fire} final, so no driver can bypass or
 * replace the consumer's callback, while start and stop are ordinary overridable methods. An
 * optional C function pointer ({@code et_stop == NULL}) becomes a method with a default that does
 * exactly what the C code does for the null pointer (return 0).
 *
 * <h2>Per-CPU timers and the CPU argument</h2>
 * C's per-CPU timers act on "the calling CPU's instance". Threads have no CPU, so the CPU is an
 * argument: {@code et_start(et, cpu, first, period)}, {@code et_stop(et, cpu)},
 * {@code start(cpu, ...)}/{@code stop(cpu)} in the driver, {@code fire(cpu)} and the event
 * callback's {@code cpu}. The C forms without a CPU pass {@link org.kcallout.et.EventTimer#NOCPU}
 * and are for global timers only.
 *
 * <h2>Thread safety</h2>
 * One recursive mutex per registry ({@code ET_LOCK}) guards the list, the active flags, the
 * consumers' callbacks and the frequencies; every registry method that touches those takes it.
 * {@code et_start} and {@code et_stop} take no lock: the consumer serialises them per timer instance,
 * as FreeBSD's clock source does with {@code et_hw_mtx}. Events are delivered without any lock on
 * the driver's thread: {@code fire} reads the consumer's callback and argument in one volatile read.
 * The callbacks must not block. See {@link org.kcallout.et.EventTimers} for the details.
 *
 * <h2>From C to Java</h2>
 * <table class="striped">
 *   <caption>C names, the facade call ({@code KernEt}, statically imported, on the default registry;
 *   {@code KernEt.on(ets).et_*} on another) and the Java-style equivalent ({@code ets} is an
 *   {@code EventTimers}, {@code et} an {@code EventTimer})</caption>
 *   <thead>
 *     <tr><th scope="col">C</th><th scope="col">Facade</th><th scope="col">Java style</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><th scope="row" colspan="3">Driver side ({@code struct eventtimer})</th></tr>
 *     <tr><td>{@code struct eventtimer et = {...}}</td><td colspan="2">a subclass of
 *         {@link org.kcallout.et.EventTimer}, its constructor taking name, flags, quality,
 *         frequency, min and max period</td></tr>
 *     <tr><td>{@code et.et_name}, {@code et_flags}, {@code et_quality}, {@code et_frequency},
 *         {@code et_min_period}, {@code et_max_period}, {@code et_active}</td><td>-</td>
 *         <td>{@code et.name()}, {@code flags()}, {@code quality()}, {@code frequency()},
 *         {@code minPeriod()}, {@code maxPeriod()}, {@code active()}</td></tr>
 *     <tr><td>{@code ET_FLAGS_PERIODIC}, {@code ET_FLAGS_ONESHOT}, {@code ET_FLAGS_PERCPU},
 *         {@code ET_FLAGS_C3STOP}, {@code ET_FLAGS_POW2DIV}</td><td>same names</td>
 *         <td>{@link org.kcallout.et.EventTimer#ET_FLAGS_PERIODIC EventTimer.ET_FLAGS_*}</td></tr>
 *     <tr><td>{@code et_start_t}, {@code et->et_start(et, first, period)}</td><td>-</td>
 *         <td>{@code protected int start(int cpu, long first, long period)}</td></tr>
 *     <tr><td>{@code et_stop_t}, {@code et->et_stop(et)}; {@code et_stop = NULL}</td><td>-</td>
 *         <td>{@code protected int stop(int cpu)}; not overridden</td></tr>
 *     <tr><td>{@code et->et_event_cb(et, et->et_arg)}</td><td>-</td>
 *         <td>{@code fire(cpu)} (protected, final)</td></tr>
 *     <tr><td>{@code et_priv}</td><td>-</td><td>fields of the subclass</td></tr>
 *     <tr><td>{@code et_register(&et)}</td><td>{@code et_register(et)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#register ets.register(et)}</td></tr>
 *     <tr><td>{@code et_deregister(&et)}</td><td>{@code et_deregister(et)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#deregister ets.deregister(et)}</td></tr>
 *     <tr><td>{@code et_change_frequency(&et, f)}</td><td>{@code et_change_frequency(et, f)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#changeFrequency ets.changeFrequency(et, f)}</td></tr>
 *
 *     <tr><th scope="row" colspan="3">Consumer side</th></tr>
 *     <tr><td>{@code et_event_cb_t}, {@code void cb(struct eventtimer *et, void *arg)}</td>
 *         <td colspan="2">{@link org.kcallout.et.EtEventCb EtEventCb&lt;A&gt;}{@code .event(et, cpu, arg)}</td></tr>
 *     <tr><td>{@code et_deregister_cb_t}</td>
 *         <td colspan="2">{@link org.kcallout.et.EtDeregisterCb EtDeregisterCb&lt;A&gt;}{@code .deregister(et, arg)}</td></tr>
 *     <tr><td>{@code et_find(name, check, want)}</td><td>{@code et_find(name, check, want)} (null if none)</td>
 *         <td>{@link org.kcallout.et.EventTimers#find ets.find(name, check, want)} (an {@code Optional})</td></tr>
 *     <tr><td>{@code et_init(et, event, deregister, arg)}</td><td>{@code et_init(et, event, deregister, arg)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#init ets.init(et, event, deregister, arg)} (throws)</td></tr>
 *     <tr><td>{@code et_start(et, first, period)}</td><td>{@code et_start(et, first, period)} (global),
 *         {@code et_start(et, cpu, first, period)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#start ets.start(et, cpu, first, period)} (throws if inactive)</td></tr>
 *     <tr><td>{@code et_stop(et)}</td><td>{@code et_stop(et)} (global), {@code et_stop(et, cpu)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#stop ets.stop(et, cpu)} (throws if inactive)</td></tr>
 *     <tr><td>{@code et_ban(et)}</td><td>{@code et_ban(et)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#ban ets.ban(et)}</td></tr>
 *     <tr><td>{@code et_free(et)}</td><td>{@code et_free(et)}</td>
 *         <td>{@link org.kcallout.et.EventTimers#free ets.free(et)} (throws if inactive)</td></tr>
 *     <tr><td>{@code ET_LOCK()}, {@code ET_UNLOCK()}</td><td>same names</td>
 *         <td>{@link org.kcallout.et.EventTimers#etLock ets.etLock()}{@code .lock()}, {@code .unlock()}</td></tr>
 *     <tr><td>{@code cpu_et_frequency} (clock source side)</td><td>-</td>
 *         <td>{@link org.kcallout.et.EventTimerConsumer}, installed with
 *         {@link org.kcallout.et.EventTimers#setClockSource ets.setClockSource(cs)}</td></tr>
 *     <tr><td>{@code sysctl kern.eventtimer.choice}</td><td>-</td>
 *         <td>{@link org.kcallout.et.EventTimers#choice ets.choice()}, {@code ets.timers()}</td></tr>
 *     <tr><td>{@code EINVAL}, {@code EBUSY}, {@code ENXIO}, {@code ENOENT}</td><td>same names</td>
 *         <td>{@link org.kcallout.et.KernEt#EINVAL KernEt.EINVAL}, ...</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2>Differences from FreeBSD</h2>
 * <ul>
 *   <li>The CPU is an argument (above).</li>
 *   <li>{@code et_free} drops the consumer's callbacks with the claim, so a late event is dropped
 *       and a consumer that released a timer is not asked about its deregistration.</li>
 *   <li>{@code ET_LOCK} is recursive and taken by the functions themselves ({@code et_find}'s
 *       caller need not hold it).</li>
 *   <li>Assertions are always on and throw ({@code docs/SEMANTICS.md}, decision 3; the registry's
 *       rules are its §8.2); registering a timer twice,
 *       deregistering one that is not registered, claiming ({@code et_init}) one that is not
 *       registered, or mixing registries throws {@link java.lang.IllegalStateException} where C
 *       would corrupt its list or hand out a withdrawn timer; a CPU at or above {@code MAXCPU}
 *       (256) and unknown flag bits given to {@code et_find} throw
 *       {@link java.lang.IllegalArgumentException}.</li>
 *   <li>The registration message is logged at {@code DEBUG} through {@link java.lang.System.Logger}
 *       rather than printed.</li>
 * </ul>
 *
 * <p>This package depends on {@code java.base} and {@code org.kcallout} ({@link org.kcallout.KMutex}
 * for {@code ET_LOCK}) only.
 */
package org.kcallout.et;
