package org.kcallout.wheel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/**
 * Runs a test once on each of the deterministic {@link Clocks}; the test method takes the
 * {@link Clocks} value as its parameter. A SPEC case that stays on fewer clocks (typically a plain
 * {@code @Test} on the {@link VirtualTicklessClock}) says why in a comment on its annotation's line.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@EnumSource(Clocks.class)
@interface OnEveryClock {
}
