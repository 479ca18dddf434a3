package org.kcallout.internal;

/**
 * What a callout's {@code c_cpu} field points at: a per-CPU structure of one callout system, or the
 * {@link #CPUBLOCK} marker while a callout moves between CPUs.
 *
 * <p>Not API. The engine's per-CPU class extends this one, so a callout knows both its CPU number
 * and which system initialised it with one reference.
 */
public class CpuRef {
    /** {@code MAXCPU} in FreeBSD; also the number reported for a callout in transit. */
    public static final int MAXCPU = 256;

    /** The marker stored in a callout while {@code callout_cpu_switch} moves it (FreeBSD's CPUBLOCK). */
    public static final CpuRef CPUBLOCK = new CpuRef(MAXCPU, null);

    /** The CPU number, 0-based. */
    public final int cpuId;
    /** The callout system that owns this CPU ({@code null} only for {@link #CPUBLOCK}). */
    public final Object system;

    /**
     * @param cpuId  the CPU number
     * @param system the owning system
     */
    protected CpuRef(int cpuId, Object system) {
        this.cpuId = cpuId;
        this.system = system;
    }
}
