package org.kcallout;

/**
 * A callout handler: FreeBSD's {@code callout_func_t}, {@code void (*)(void *)}, with the argument
 * typed.
 *
 * <p>Build handlers once and reuse them, as C code passes a function pointer: a static method
 * reference or a constant lambda that captures nothing is a single object, so arming a callout
 * allocates nothing. A lambda that captures variables, or a bound method reference
 * ({@code this::tick}), allocates each time the expression is evaluated; keep it in a field.
 *
 * <pre>{@code
 * static final CalloutFunc<Conn> RETRANSMIT = Conn::retransmit;   // once
 * ...
 * callout_reset(conn.rexmt, hz / 2, RETRANSMIT, conn);            // no allocation
 * }</pre>
 *
 * @param <A> the argument type ({@code void *arg} in C)
 */
@FunctionalInterface
public interface CalloutFunc<A> {
    /**
     * Runs the handler.
     *
     * @param arg the argument given when the callout was armed
     */
    void call(A arg);
}
