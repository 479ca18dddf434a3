package org.kcallout.wheel.internal;

/**
 * Simulated inter-processor interrupts: one mailbox per CPU into which any thread posts an IPI
 * kind ({@code ipi_cpu(cpu, kind)}) and from which that CPU's interrupt context takes them.
 *
 * <p>An IPI kind that is already pending for a CPU is not posted twice: the second post is
 * absorbed, as a local APIC absorbs a vector whose request bit is still set (FreeBSD's bitmapped
 * IPIs, {@code ipi_bitmap}, coalesce the same way). So a CPU holds at most {@link #IPI_KINDS}
 * pending IPIs, posting never blocks and never fails, and the handler must tolerate one delivery
 * standing for several posts: the poster's request lives in shared state it wrote before posting
 * (for example {@code pcpu_state.handle}), and the consumer sees every such write made before the
 * post it absorbed.
 *
 * <p>Threads: {@link #send} from any thread, lock-free. {@link #poll} and {@link #drain} for one
 * CPU by one thread at a time (the single consumer of that CPU's multi-producer queue); the
 * caller guarantees it. Different CPUs are independent.
 */
public interface IpiChannel {
    /** {@code IPI_HARDCLOCK}: run {@code hardclockintr} (reconfiguration requests, then the clock's events). */
    int IPI_HARDCLOCK = 0;
    /** Number of IPI kinds; kinds are {@code 0 .. IPI_KINDS-1}. */
    int IPI_KINDS = 1;

    /** Receives the IPIs taken by {@link #drain}. */
    @FunctionalInterface
    interface Handler {
        /**
         * Handles one IPI, in {@code cpu}'s interrupt context.
         *
         * @param cpu  the receiving CPU
         * @param kind the IPI kind
         */
        void ipi(int cpu, int kind);
    }

    /** Called after an IPI has been posted for a CPU: wakes whatever runs that CPU's interrupt context. */
    @FunctionalInterface
    interface Waker {
        /**
         * An IPI is pending for {@code cpu}. Must not block; runs on the sender's thread.
         *
         * @param cpu the CPU
         */
        void wake(int cpu);
    }

    /**
     * Posts {@code kind} to {@code cpu} ({@code ipi_cpu}) and wakes its interrupt context, unless that
     * kind is already pending there (then nothing happens: the pending one covers it).
     *
     * @param cpu  the target CPU
     * @param kind an IPI kind
     * @return true if posted, false if absorbed by a pending IPI of the same kind
     * @throws IllegalArgumentException for a CPU or kind out of range
     */
    boolean send(int cpu, int kind);

    /**
     * Takes the oldest pending IPI of {@code cpu}; from then on the same kind can be posted again.
     * Single consumer per CPU.
     *
     * @param cpu the CPU
     * @return the kind, or -1 if none is pending
     */
    int poll(int cpu);

    /**
     * Takes and handles, in posting order, at most {@link #IPI_KINDS} pending IPIs of {@code cpu}
     * (so a handler that keeps posting to its own CPU cannot keep the call going: what it posts is
     * left for the next call). Single consumer per CPU; the handler runs on the calling thread.
     *
     * @param cpu     the CPU
     * @param handler receives each IPI
     * @return the number handled
     */
    int drain(int cpu, Handler handler);

    /**
     * Whether an IPI is pending for {@code cpu}: a snapshot, exact only for the consumer (an IPI
     * being posted may be counted a moment before {@link #poll} can take it).
     *
     * @param cpu the CPU
     * @return true if one is pending
     */
    boolean pending(int cpu);

    /** {@return the number of CPUs} */
    int ncpus();

    /**
     * A channel for {@code ncpus} CPUs on JCTools MPSC queues.
     *
     * @param ncpus the number of CPUs, {@code >= 1}
     * @param waker called after each post that was not absorbed
     * @return the channel
     */
    static IpiChannel create(int ncpus, Waker waker) {
        return new MpscIpiChannel(ncpus, waker);
    }
}
