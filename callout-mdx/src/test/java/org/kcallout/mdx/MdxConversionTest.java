package org.kcallout.mdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Microseconds and ticks: the built-in converters and the queries (their choice at registration is {@link MdxTimerTest}). */
final class MdxConversionTest {
    @Test
    void usecToTicks_32kHz_truncates() {
        assertEquals(0, MdxCputime.usecToTicks(32768, 30));
        assertEquals(1, MdxCputime.usecToTicks(32768, 31));
        assertEquals(32767, MdxCputime.usecToTicks(32768, 1_000_000)); // the factor truncates too
        assertEquals(0, MdxCputime.usecToTicks(32768, 0));
    }

    /** The result is floor(floor(freq * 2^32 / 10^6) * usec / 2^32), checked with BigInteger. */
    @Test
    void usecToTicks_random_matchesFormula() {
        SplittableRandom rnd = new SplittableRandom(90);
        java.math.BigInteger million = java.math.BigInteger.valueOf(1_000_000);
        for (int i = 0; i < 20_000; i++) {
            long freq = 1 + rnd.nextLong(0xffff_ffffL);
            long usec = rnd.nextLong(0x1_0000_0000L);
            java.math.BigInteger k = java.math.BigInteger.valueOf(freq).shiftLeft(32).divide(million);
            java.math.BigInteger product = k.multiply(java.math.BigInteger.valueOf(usec));
            if (product.bitLength() > 64) {
                assertThrows(IllegalArgumentException.class, () -> MdxCputime.usecToTicks(freq, usec),
                        freq + " Hz, " + usec + " us");
            } else {
                assertEquals(product.shiftRight(32).longValueExact(), MdxCputime.usecToTicks(freq, usec),
                        freq + " Hz, " + usec + " us");
            }
        }
    }

    @Test
    void usecToTicks_overflowAndBadArguments_throw() {
        assertThrows(IllegalArgumentException.class, () -> MdxCputime.usecToTicks(4_000_000_000L, 0xffff_ffffL));
        assertThrows(IllegalArgumentException.class, () -> MdxCputime.usecToTicks(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> MdxCputime.usecToTicks(1000, 0x1_0000_0000L));
        assertEquals(0xffff_ffffL, MdxCputime.usecToTicks1mhz(1_000_000, 0xffff_ffffL));
        assertEquals(12345, MdxCputime.ticksToUsec1mhz(1_000_000, 12345));
    }

    @Test
    void ticksAndUsec_ofQueuedCallout_countDown() {
        MdxCallouts mdx = new MdxCallouts(1);
        SimulatedMiTimer timer = new SimulatedMiTimer(mdx, 0xffff, 1_000_000, 0xff00);
        mdx.register(timer);
        List<Probe> order = new ArrayList<>();
        Probe a = new Probe("a", timer::time, order);
        Probe b = new Probe("b", timer::time, order);
        mdx.set(a.c, 0x18000, Probe.FIRE, a); // 1 MHz: microseconds are ticks
        mdx.setTicks(b.c, 300, Probe.FIRE, b);
        assertEquals(0x18000, mdx.ticks(a.c));
        timer.advance(0x1000); // past b and across the wrap
        assertEquals(0x17000, mdx.ticks(a.c));
        assertEquals(0x17000, mdx.usec(a.c));
        assertEquals(0, mdx.ticks(b.c), "fired");
        timer.advance(0x17000);
        assertEquals(0, mdx.ticks(a.c));
        assertEquals(List.of(b, a), order);
    }
}
