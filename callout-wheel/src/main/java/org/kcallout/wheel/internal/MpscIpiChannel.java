package org.kcallout.wheel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;

/**
 * {@link IpiChannel} on one JCTools multi-producer, single-consumer array queue per CPU, with a
 * per-CPU bit set of pending kinds that makes a repeated post of a pending kind a no-op.
 */
public final class MpscIpiChannel implements IpiChannel {
    /* Implementation notes.
     *
     * Per CPU: pending[cpu] (one bit per kind) and queues[cpu] (the kinds in posting order).
     * Invariant: a kind is in the queue at most once, so the queue (capacity >= IPI_KINDS) can
     * never be full and offer never fails.
     *
     * Protocol. send: getAndBitwiseOr the kind's bit; only the caller that set it offers the kind,
     * then calls the waker. poll: take a kind from the queue, then getAndBitwiseAnd its bit off,
     * then return it. A post that races with the consumer is either absorbed before the bit is
     * cleared (and then its writes happen-before the clearing RMW, which reads the value that post's
     * RMW wrote, so the handler that runs after poll sees them) or sets the bit again after it and
     * offers a new entry. The bit is cleared before the handler runs, never after, so no post made
     * while the handler runs can be lost. A consumer can find the bit set and the queue still empty
     * for the instant between a producer's RMW and its offer; it then reports nothing pending, and
     * that producer's waker call follows.
     *
     * Queue choice: MpscAtomicArrayQueue (field-updater based) rather than MpscArrayQueue
     * (sun.misc.Unsafe): JCTools only "requires static" jdk.unsupported, which is not resolved when
     * an application runs on the module path. Nothing allocates: the kinds are cached Integers. */

    private static final VarHandle PENDING = MethodHandles.arrayElementVarHandle(int[].class);
    /** Boxed kinds, so that posting allocates nothing. */
    private static final Integer[] KIND_BOXES = new Integer[IPI_KINDS];

    static {
        for (int k = 0; k < IPI_KINDS; k++) {
            KIND_BOXES[k] = k;
        }
    }

    private final int[] pending;                        // per CPU: bits of pending kinds; VarHandle only
    private final MessagePassingQueue<Integer>[] queues; // per CPU: offered by any thread, polled by its consumer
    private final Waker waker;

    /**
     * A channel for {@code ncpus} CPUs.
     *
     * @param ncpus the number of CPUs, {@code >= 1}
     * @param waker called after each post that was not absorbed
     */
    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array: one queue per CPU
    public MpscIpiChannel(int ncpus, Waker waker) {
        if (ncpus < 1) {
            throw new IllegalArgumentException("IPI channel: ncpus must be >= 1, got " + ncpus);
        }
        this.waker = Objects.requireNonNull(waker, "waker");
        this.pending = new int[ncpus];
        this.queues = new MessagePassingQueue[ncpus];
        for (int i = 0; i < ncpus; i++) {
            queues[i] = new MpscAtomicArrayQueue<>(Math.max(2, IPI_KINDS));
        }
    }

    private int getAndSetBits(int cpu, int bits) {
        return (int) PENDING.getAndBitwiseOr(pending, cpu, bits);
    }

    private void clearBits(int cpu, int bits) {
        PENDING.getAndBitwiseAnd(pending, cpu, ~bits);
    }

    @Override
    public boolean send(int cpu, int kind) {
        checkCpu("ipi_cpu", cpu);
        if (kind < 0 || kind >= IPI_KINDS) {
            throw new IllegalArgumentException("ipi_cpu: IPI kind must be in [0, " + IPI_KINDS + "), got " + kind);
        }
        int bit = 1 << kind;
        if ((getAndSetBits(cpu, bit) & bit) != 0) {
            return false; // pending already: that delivery is still ahead and covers this post
        }
        boolean offered = queues[cpu].offer(KIND_BOXES[kind]);
        assert offered : "IPI queue of CPU " + cpu + " full: a kind was queued twice";
        waker.wake(cpu);
        return true;
    }

    @Override
    public int poll(int cpu) {
        checkCpu("ipi poll", cpu);
        Integer k = queues[cpu].poll();
        if (k == null) {
            return -1;
        }
        int kind = k;
        clearBits(cpu, 1 << kind); // before the handler runs: a post from now on is a new IPI
        return kind;
    }

    @Override
    public int drain(int cpu, Handler handler) {
        int n = 0;
        while (n < IPI_KINDS) {
            int kind = poll(cpu);
            if (kind < 0) {
                break;
            }
            n++;
            handler.ipi(cpu, kind);
        }
        return n;
    }

    @Override
    public boolean pending(int cpu) {
        checkCpu("ipi pending", cpu);
        return !queues[cpu].isEmpty();
    }

    @Override
    public int ncpus() {
        return pending.length;
    }

    private void checkCpu(String fn, int cpu) {
        if (cpu < 0 || cpu >= pending.length) {
            throw new IllegalArgumentException(fn + ": cpu must be in [0, " + pending.length + "), got " + cpu);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("MpscIpiChannel[");
        for (int i = 0; i < pending.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(Integer.toBinaryString((int) PENDING.getVolatile(pending, i)));
        }
        return sb.append(']').toString();
    }
}
