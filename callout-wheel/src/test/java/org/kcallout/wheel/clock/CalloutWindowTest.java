package org.kcallout.wheel.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.Sbt.SBT_MAX;

import org.junit.jupiter.api.Test;

/** The callout window of one CPU, as every clock source keeps it ({@code cpu_new_callout}'s bookkeeping). */
final class CalloutWindowTest {

    @Test
    void fresh_hasNoWindow_andNeverOpens() {
        CalloutWindow w = new CalloutWindow();
        assertEquals(SBT_MAX, w.nextcall);
        assertEquals(SBT_MAX, w.nextcallopt);
        assertFalse(w.isOpen(SBT_MAX - 1));
    }

    @Test
    void report_movesTheDeadlineOnlyEarlier_butTheStartAlways() {
        CalloutWindow w = new CalloutWindow();
        assertTrue(w.report(100, 90), "from no window: earlier");
        assertFalse(w.report(200, 150), "a later deadline does not move it");
        assertEquals(100, w.nextcall);
        assertEquals(150, w.nextcallopt, "the start moves with every report");
        assertFalse(w.report(100, 95), "an equal deadline is not earlier");
        assertTrue(w.report(80, 70));
        assertEquals(80, w.nextcall);
        assertEquals(70, w.nextcallopt);
    }

    @Test
    void isOpen_fromTheStartOrTheEnd_andClearForgets() {
        CalloutWindow w = new CalloutWindow();
        w.report(100, 90);
        assertFalse(w.isOpen(89));
        assertTrue(w.isOpen(90), "an interrupt inside the window may process");
        assertTrue(w.isOpen(100));
        w.report(200, 300); // a start after the end: only the end opens it
        assertTrue(w.isOpen(100));
        w.clear();
        assertFalse(w.isOpen(1000));
        assertEquals(SBT_MAX, w.nextcall);
        w.setBoth(5);
        assertTrue(w.isOpen(5));
        assertEquals(5, w.nextcallopt);
    }
}
