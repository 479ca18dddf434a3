package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@link MdxTimer}: what {@code mdx_callout_register} records of a timer: the built-in converter
 * chosen when the driver gives none, the driver's own converters, read once.
 */
final class MdxTimerTest {

    @Test
    void register_1MHzWithoutConverters_usesIdentityBothWays() {
        MdxCallouts mdx = new MdxCallouts(1);
        mdx.register(new SimulatedMiTimer(mdx, 0xffff_ffffL, 1_000_000));
        assertEquals(123_456, mdx.usecToTicks(123_456));
        assertEquals(123_456, mdx.ticksToUsec(123_456));
    }

    @Test
    void register_otherFrequencyWithoutConverters_hasNoTicksToUsec() {
        MdxCallouts mdx = new MdxCallouts(1);
        mdx.register(new SimulatedMiTimer(mdx, 0xffff_ffffL, 32768));
        assertEquals(32, mdx.usecToTicks(1000));
        assertThrows(IllegalStateException.class, () -> mdx.ticksToUsec(32));
    }

    @Test
    void register_driverConverters_areUsed() {
        MdxCallouts mdx = new MdxCallouts(1);
        MiTimer.Struct<Object> mt = MiTimer.of(null, (a, t) -> { }, a -> { }, a -> 0L, 0xffff, 32768);
        mt.usec_to_ticks = (freq, usec) -> usec * 2;
        mt.ticks_to_usec = (freq, ticks) -> ticks / 2;
        mdx.register(mt);
        assertEquals(20, mdx.usecToTicks(10));
        assertEquals(5, mdx.ticksToUsec(10));
        mt.usec_to_ticks = (freq, usec) -> -1;
        assertEquals(20, mdx.usecToTicks(10), "read once at registration");
    }
}
