package org.kcallout;

/**
 * The result of {@code callout_when}: an absolute time and a precision, ready for
 * {@link CalloutFlags#C_PRECALC}.
 *
 * @param time      the earliest time the handler may run (absolute sbintime)
 * @param precision how much later it may run (sbintime)
 */
public record When(long time, long precision) {
}
