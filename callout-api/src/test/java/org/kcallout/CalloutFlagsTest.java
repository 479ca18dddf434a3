package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.C_ABSOLUTE;
import static org.kcallout.CalloutFlags.C_CATCH;
import static org.kcallout.CalloutFlags.C_DIRECT_EXEC;
import static org.kcallout.CalloutFlags.C_HARDCLOCK;
import static org.kcallout.CalloutFlags.C_PREL;
import static org.kcallout.CalloutFlags.C_PRELGET;
import static org.kcallout.CalloutFlags.C_PRELRANGE;
import static org.kcallout.CalloutFlags.C_PRECALC;
import static org.kcallout.CalloutFlags.C_VALID_MASK;

import org.junit.jupiter.api.Test;

/** {@link CalloutFlags}: the values of SPEC §2.2 and the {@code C_PREL} field. */
final class CalloutFlagsTest {

    @Test
    void calloutFlags_spec22_haveExactValues() {
        assertEquals(0x0001, CalloutFlags.CALLOUT_LOCAL_ALLOC);
        assertEquals(0x0002, CalloutFlags.CALLOUT_ACTIVE);
        assertEquals(0x0004, CalloutFlags.CALLOUT_PENDING);
        assertEquals(0x0008, CalloutFlags.CALLOUT_MPSAFE);
        assertEquals(0x0010, CalloutFlags.CALLOUT_RETURNUNLOCKED);
        assertEquals(0x0020, CalloutFlags.CALLOUT_SHAREDLOCK);
        assertEquals(0x0040, CalloutFlags.CALLOUT_DFRMIGRATION);
        assertEquals(0x0080, CalloutFlags.CALLOUT_PROCESSED);
        assertEquals(0x0100, CalloutFlags.CALLOUT_DIRECT);
    }

    @Test
    void schedulingFlags_spec22_haveExactValues() {
        assertEquals(0x0001, C_DIRECT_EXEC);
        assertEquals(7, CalloutFlags.C_PRELBITS);
        assertEquals(127, C_PRELRANGE);
        assertEquals(0x0100, C_HARDCLOCK);
        assertEquals(0x0200, C_ABSOLUTE);
        assertEquals(0x0400, C_PRECALC);
        assertEquals(0x0800, C_CATCH);
    }

    @Test
    void cPrel_everyValidShift_isShiftPlusOneTimesTwo() {
        for (int x = 0; x < C_PRELRANGE; x++) {
            assertEquals((x + 1) << 1, C_PREL(x), "x=" + x);
        }
    }

    @Test
    void cPrelget_ofCPrel_returnsShift() {
        for (int x = 0; x < C_PRELRANGE; x++) {
            assertEquals(x, C_PRELGET(C_PREL(x)), "x=" + x);
        }
    }

    @Test
    void cPrelget_combinedWithOtherFlags_returnsShift() {
        int others = C_DIRECT_EXEC | C_HARDCLOCK | C_ABSOLUTE | C_PRECALC | C_CATCH;
        for (int x = 0; x < C_PRELRANGE; x++) {
            assertEquals(x, C_PRELGET(C_PREL(x) | others), "x=" + x);
        }
    }

    @Test
    void cPrelget_noPrecisionField_returnsMinusOne() {
        assertEquals(-1, C_PRELGET(0));
        assertEquals(-1, C_PRELGET(C_DIRECT_EXEC));
    }

    @Test
    void cPrelget_hardclock_returnsMinusOne() {
        // C_HARDCLOCK lies outside the PREL field (bits 1..7).
        assertEquals(-1, C_PRELGET(C_HARDCLOCK));
        assertEquals(-1, C_PRELGET(C_HARDCLOCK | C_ABSOLUTE | C_PRECALC | C_CATCH | C_DIRECT_EXEC));
    }

    @Test
    void cPrel_everyValidShift_staysInsideValidMask() {
        for (int x = 0; x < C_PRELRANGE; x++) {
            assertEquals(0, C_PREL(x) & ~C_VALID_MASK, "x=" + x);
        }
    }

    @Test
    void cPrel_outOfRange_throwsNamingValue() {
        for (int x : new int[] {-1, C_PRELRANGE, C_PRELRANGE + 1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> C_PREL(x), "x=" + x);
            assertTrue(e.getMessage().contains(Integer.toString(x)), e.getMessage());
        }
    }

    @Test
    void validMasks_coverExactlyTheDocumentedBits() {
        assertEquals(0x0fff, C_VALID_MASK);
        assertEquals(CalloutFlags.CALLOUT_RETURNUNLOCKED | CalloutFlags.CALLOUT_SHAREDLOCK,
                CalloutFlags.INIT_VALID_MASK);
    }
}
