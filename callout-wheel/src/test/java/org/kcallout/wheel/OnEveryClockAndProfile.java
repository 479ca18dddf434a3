package org.kcallout.wheel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs a test once for each pair of a deterministic {@link Clocks} value and a
 * {@link org.kcallout.Profile}; the test method takes {@code (Clocks, Profile)}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}, {1}")
@MethodSource("org.kcallout.wheel.Clocks#withProfiles")
@interface OnEveryClockAndProfile {
}
