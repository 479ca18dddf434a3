/**
 * Internal hand-offs between threads that need a queue, behind small interfaces so that the queue
 * library (JCTools) stays an implementation detail of this module. Nothing here is exported; any
 * of it may change.
 *
 * <p>{@link org.kcallout.wheel.internal.IpiChannel} carries the clock source's simulated
 * inter-processor interrupts ({@code ipi_cpu(cpu, IPI_HARDCLOCK)} of FreeBSD's
 * {@code kern_clocksource.c}): any thread posts, one consumer per CPU takes.
 *
 * <p>Thread-safety model: each type states who may call what. Memory-ordering legend for accessor
 * names (as in JCTools): {@code xxxVolatile}/{@code getAndXxx} are volatile-mode
 * {@link java.lang.invoke.VarHandle} accesses (full fences around read-modify-writes),
 * {@code xxxOpaque} a racy read that is never hoisted out of a loop; plain field access happens
 * only under the guard named in the field's comment. VarHandles are declared in one static block
 * per class.
 *
 * <p>May depend on {@code java.base} and {@code org.jctools.core} only; used by
 * {@code org.kcallout.wheel.clock}.
 */
package org.kcallout.wheel.internal;
