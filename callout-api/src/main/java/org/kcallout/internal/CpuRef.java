package org.kcallout.internal;

/**
 * What a callout's {@code c_cpu} field points at: a per-CPU structure of one callout system, or the
 * {@link #CPUBLOCK} marker while a callout moves between CPUs.
 *
 * <p>Not API. The engine's per-CPU class extends this one, so a callout knows both its CPU number
 * and, through the engine's subclass, which system initialised it, with one reference. Only code that
 * can read this package can extend it (the module system exports it to the engine alone), and a
 * {@code CpuRef} reaches a callout only through {@link CalloutAccess#setCcVolatile}.
 */
public abstract class CpuRef {
    /** {@code MAXCPU} in FreeBSD; also the number reported for a callout in transit. */
    public static final int MAXCPU = 256;

    /** The marker stored in a callout while {@code callout_cpu_switch} moves it (FreeBSD's CPUBLOCK). */
    public static final CpuRef CPUBLOCK = new CpuRef(MAXCPU) { };

    /** The CPU number, 0-based ({@link #MAXCPU} for {@link #CPUBLOCK}). */
    public final int cpuId;

    /**
     * @param cpuId the CPU number
     */
    protected CpuRef(int cpuId) {
        this.cpuId = cpuId;
    }
}
