/**
 * Internal to kcallout: the engine's bridge into {@link org.kcallout.Callout}. Nothing here is API
 * and any of it may change.
 *
 * <p><b>What it is.</b> {@code Callout}'s fields ({@code struct callout}: {@code c_time},
 * {@code c_precision}, {@code c_func}, {@code c_arg}, {@code c_lock}, {@code c_cpu},
 * {@code c_iflags}, {@code c_flags}) are private, and its list links live in the superclass
 * {@link org.kcallout.internal.Link}, which has no accessible members. The engine reaches all of them
 * through one class, {@link org.kcallout.internal.CalloutAccess}: static accessors that forward to
 * the {@link org.kcallout.internal.CalloutAccess.Fields} object {@code Callout}'s static initialiser
 * installs once (the JDK's {@code SharedSecrets} pattern; plain field accesses, and VarHandles
 * declared in {@code Callout}'s one static block for the opaque and release modes), plus the list
 * primitives ({@code addLast}, {@code unlink}, ...).
 * {@link org.kcallout.internal.CpuRef} is what {@code c_cpu} points at: the engine's per-CPU class
 * extends it, and {@link org.kcallout.internal.CpuRef#CPUBLOCK} marks a callout moving between CPUs.
 *
 * <p><b>Who may use it.</b> {@code module-info.java} exports this package to {@code org.kcallout.wheel}
 * only: the engine ({@code kern_timeout.c}'s port) is the one writer of a callout's state. The API
 * module's own classes use it too ({@code Callout}'s queries; {@code EventTimers} for
 * {@link org.kcallout.internal.CpuRef#MAXCPU}). Other modules (legacy, mdx) work through
 * {@link org.kcallout.CalloutSystem} and {@code Callout}'s public queries and need nothing here. On the
 * class path the module boundary is gone and only this convention keeps other code out.
 *
 * <p><b>Thread safety.</b> Each field has one guard, given in the table of
 * {@link org.kcallout.internal.CalloutAccess} (mostly the lock of the CPU that owns the callout;
 * {@code c_flags}' ACTIVE bit belongs to the caller's lock). The list primitives are called with the
 * list's per-CPU lock held.
 *
 * <p><b>Memory-mode legend for accessor names</b> (as in JCTools and {@code java.util.concurrent}):
 * <ul>
 *   <li>{@code xxx(c)}, {@code setXxx(c, v)}: plain access, used only under the guard named for the
 *       field (or before the callout is published, by init);</li>
 *   <li>{@code xxxOpaque(c)}: a racy read without ordering that the JIT may not hoist out of a loop
 *       ({@code callout_pending}, {@code callout_active});</li>
 *   <li>{@code setXxxRelease(c, v)}: a write made under a lock, published to unlocked readers
 *       (release: every earlier write is visible to whoever reads this value);</li>
 *   <li>{@code xxxVolatile(c)}, {@code setXxxVolatile(c, v)}: sequentially consistent access
 *       ({@code c_cpu}, read before the CPU lock is taken and re-checked under it).</li>
 * </ul>
 *
 * <p>Depends on {@code java.base} and the API package {@code org.kcallout} only.
 */
package org.kcallout.internal;
