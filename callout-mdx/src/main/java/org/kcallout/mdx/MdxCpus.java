package org.kcallout.mdx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.IntSupplier;
import org.kcallout.CalloutFunc;

/**
 * The CPUs of an {@link MdxCallouts} framework: the per-CPU plumbing around MDEPX's
 * {@code mdx_callout.c} functions. Which CPU a thread is on ({@code PCPU_GET(cpuid)}: the batch's
 * CPU inside a callback batch, else a supplier's answer or the thread's binding), the CPUs' slots
 * of {@code mi_timer}'s per-CPU arrays ({@code state[cpu]}, {@code count_saved[cpu]}) and their
 * lists for inspection, and the hook that receives a handler's exception. Its only subclass is
 * {@link MdxCallouts}, whose documentation ("CPUs and threads") describes how the two work
 * together; every method here is a method of each framework.
 *
 * <p>Thread safety: every method is thread-safe.
 */
public abstract sealed class MdxCpus permits MdxCallouts {
    /* Implementation notes. Field ownership:
     *
     *   field          guard                notes
     *   cpus[]         final                one MdxCpu per CPU (lists, locks, baselines)
     *   curcpuSupplier final                null: the thread binding gives the current CPU
     *   bound          thread-confined      CPU binding of each thread (default curcpu)
     *   batch          thread-confined      the CPU whose batch the thread is running, or null;
     *                                       set and cleared by MdxCallouts.callback only
     *   failureHook    volatile
     *
     * The per-CPU state itself (lists, state, countSaved) is guarded by each MdxCpu's lock; see
     * MdxCpu. */

    /**
     * {@code MDX_CPU_MAX}: the most CPUs a framework can have. MDEPX sets it per board at compile
     * time (its IPI masks need at most 32); here it bounds {@code ncpu} so that a bad count is
     * refused instead of exhausting memory.
     */
    public static final int MDX_CPU_MAX = 1024;

    /** {@code MI_TIMER_STATE_READY}: idle, stopped (no callouts since the last batch). */
    public static final int MI_TIMER_STATE_READY = 0;
    /** {@code MI_TIMER_STATE_RUNNING}: counting towards the head's deadline. */
    public static final int MI_TIMER_STATE_RUNNING = 1;
    /** {@code MI_TIMER_STATE_EXCEPTION}: inside the callback batch. */
    public static final int MI_TIMER_STATE_EXCEPTION = 2;

    private static final System.Logger LOG = System.getLogger(MdxCallouts.class.getName());

    private static final BiConsumer<MdxCallout, Throwable> LOGGING_HOOK = (c, t) ->
            LOG.log(System.Logger.Level.ERROR, "mdx_callout handler threw; the callback batch goes on: " + c, t);

    private final MdxCpu[] cpus;
    private final IntSupplier curcpuSupplier; // null: the thread binding
    // Per system, not static: each MdxCpus has its own thread bindings and batches.
    @SuppressWarnings("ThreadLocalUsage")
    private final ThreadLocal<Integer> bound = new ThreadLocal<>();
    @SuppressWarnings("ThreadLocalUsage") // as above
    private final ThreadLocal<MdxCpu> batch = new ThreadLocal<>();
    private volatile BiConsumer<? super MdxCallout, ? super Throwable> failureHook = LOGGING_HOOK;

    /**
     * {@code ncpu} CPUs, whose current CPU is {@code curcpu}'s answer, or with {@code binding} the
     * thread's binding.
     */
    MdxCpus(int ncpu, IntSupplier curcpu, boolean binding) {
        if (ncpu < 1 || ncpu > MDX_CPU_MAX) {
            throw new IllegalArgumentException("MdxCallouts: ncpu must be in [1, MDX_CPU_MAX = " + MDX_CPU_MAX
                    + "], got " + ncpu);
        }
        if (curcpu == null && !binding) {
            throw new IllegalArgumentException("MdxCallouts: the current-CPU supplier must not be null");
        }
        this.curcpuSupplier = curcpu;
        this.cpus = new MdxCpu[ncpu];
        for (int i = 0; i < ncpu; i++) {
            cpus[i] = new MdxCpu(i);
        }
    }

    /** @return the number of CPUs */
    public int ncpu() {
        return cpus.length;
    }

    /**
     * {@code PCPU_GET(cpuid)}: the CPU of the calling thread. Inside a callback batch, the batch's
     * CPU; elsewhere the supplier's answer or the thread's binding.
     *
     * @return the current CPU
     * @throws IllegalStateException if the supplier answers a CPU out of range
     */
    public int curcpu() {
        return curcpu("PCPU_GET(cpuid)");
    }

    /** {@link #curcpu()} for the function {@code fn} the user called, which its message names. */
    final int curcpu(String fn) {
        MdxCpu b = batch.get();
        if (b != null) {
            return b.id;
        }
        int cpu;
        if (curcpuSupplier == null) {
            Integer v = bound.get();
            cpu = v == null ? 0 : v;
        } else {
            cpu = curcpuSupplier.getAsInt();
        }
        if (cpu < 0 || cpu >= cpus.length) {
            throw new IllegalStateException(fn + ": the current-CPU supplier returned CPU " + cpu + ", not in [0, "
                    + cpus.length + ")");
        }
        return cpu;
    }

    /**
     * Binds the calling thread to {@code cpu} for this framework (its {@link #curcpu()} outside
     * batches), until rebound or {@link #unbindCurrentThread()}.
     *
     * @param cpu the CPU, in {@code [0, ncpu)}
     * @throws IllegalArgumentException if {@code cpu} is out of range
     * @throws IllegalStateException    if this framework was built with a current-CPU supplier
     */
    public void bindCurrentThread(int cpu) {
        checkCpu("bindCurrentThread", cpu);
        if (curcpuSupplier != null) {
            throw new IllegalStateException("bindCurrentThread: this framework takes the current CPU from "
                    + "its supplier, not from thread bindings");
        }
        bound.set(cpu);
    }

    /** Removes the calling thread's binding: it is CPU 0 again. */
    public void unbindCurrentThread() {
        bound.remove();
    }

    /** Resets every CPU's timer state and baseline, each under its lock (registration). */
    final void resetCpus() {
        for (MdxCpu cc : cpus) {
            cc.lock.lock();
            try {
                cc.reset();
            } finally {
                cc.lock.unlock();
            }
        }
    }

    /** The CPU whose callback batch the calling thread is running, or null. */
    final MdxCpu batchCpu() {
        return batch.get();
    }

    /** Makes the calling thread CPU {@code cc} for a callback batch (its lock held). */
    final void enterBatch(MdxCpu cc) {
        assert cc.lock.isHeldByCurrentThread();
        batch.set(cc);
    }

    /** Ends the calling thread's callback batch. */
    final void leaveBatch() {
        batch.remove();
    }

    /**
     * Sets what receives a handler's exception (SPEC decision 5); the default logs it at
     * {@code ERROR} through {@link System.Logger}. The hook runs on the batch's thread with the CPU
     * lock held; it must not block, and what it throws is ignored.
     *
     * @param hook the hook
     * @throws IllegalArgumentException if {@code hook} is null
     */
    public void failureHook(BiConsumer<? super MdxCallout, ? super Throwable> hook) {
        if (hook == null) {
            throw new IllegalArgumentException("failureHook: the hook must not be null");
        }
        this.failureHook = hook;
    }

    /** Runs one handler; what it throws goes to the failure hook (SPEC decision 5). */
    @SuppressWarnings("unchecked")
    final void invoke(MdxCallout c, CalloutFunc<?> func, Object arg) {
        try {
            // Safe: func and arg were stored together by a setter typed CalloutFunc<? super A>, A.
            ((CalloutFunc<Object>) func).call(arg);
        } catch (Throwable ex) { // also a checked exception thrown sneakily: the batch must finish
            try {
                failureHook.accept(c, ex);
            } catch (RuntimeException | Error ignored) {
                // A failing hook must not end the batch.
            }
        }
    }

    /**
     * {@code mi_tmr->state[cpu]}.
     *
     * @param cpu the CPU
     * @return {@link #MI_TIMER_STATE_READY}, {@link #MI_TIMER_STATE_RUNNING} or
     *         {@link #MI_TIMER_STATE_EXCEPTION}
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public int timerState(int cpu) {
        checkCpu("timerState", cpu);
        return cpus[cpu].state;
    }

    /**
     * {@code mi_tmr->count_saved[cpu]}: the count the head's delta is measured from.
     *
     * @param cpu the CPU
     * @return the baseline count
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public long countSaved(int cpu) {
        checkCpu("countSaved", cpu);
        return cpus[cpu].countSaved;
    }

    /**
     * A snapshot of CPU {@code cpu}'s list, head first (each callout's {@link MdxCallout#ticks()} is
     * its delta). Takes the CPU's lock, so from another thread it waits while a batch runs.
     *
     * @param cpu the CPU
     * @return the queued callouts in firing order
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public List<MdxCallout> queued(int cpu) {
        checkCpu("queued", cpu);
        MdxCpu cc = cpus[cpu];
        List<MdxCallout> out = new ArrayList<>();
        cc.lock.lock();
        try {
            for (MdxCallout c = cc.first(); c != null; c = cc.next(c)) {
                out.add(c);
            }
        } finally {
            cc.lock.unlock();
        }
        return out;
    }

    /** The CPU's state, for tests in this package. */
    final MdxCpu cpu(int cpu) {
        return cpus[cpu];
    }

    /** True if the calling thread is running a callback batch of this framework. */
    final boolean inBatch() {
        return batch.get() != null;
    }

    final void checkCpu(String fn, int cpu) {
        if (cpu < 0 || cpu >= cpus.length) {
            throw new IllegalArgumentException(fn + ": CPU " + cpu + " not in [0, " + cpus.length + ")");
        }
    }
}
