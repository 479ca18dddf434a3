package org.kcallout.wheel.kern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.CalloutFlags.CALLOUT_ACTIVE;
import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_DIRECT;
import static org.kcallout.CalloutFlags.CALLOUT_LOCAL_ALLOC;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.CalloutFlags.CALLOUT_PROCESSED;
import static org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED;
import static org.kcallout.CalloutFlags.CALLOUT_SHAREDLOCK;

import org.junit.jupiter.api.Test;

/**
 * The table of {@link CalloutStates} on its own: every row it documents is accepted (with each
 * combination of the bits any row may carry), and the illegal combinations are rejected with a
 * message that names the state and the rule. The assertions that use the table run in every other
 * test of this module (surefire runs with -ea).
 */
class CalloutStatesTest {
    /* Implementation notes: check() is pure, so the states are written as its arguments; the
     * booleans are (linked, running, recorded) in that order, as check() takes them. */

    private static final boolean ON_LIST = true;
    private static final boolean NO_LIST = false;

    /** The bits every row may carry: init flags, ACTIVE, and (off the expire queue) DIRECT. */
    private static final int[] INIT = {0, CALLOUT_RETURNUNLOCKED, CALLOUT_SHAREDLOCK, CALLOUT_RETURNUNLOCKED | CALLOUT_SHAREDLOCK};
    private static final int[] FLAGS = {0, CALLOUT_ACTIVE};

    private static void accepted(int iflags, boolean linked, boolean running, boolean recorded) {
        for (int init : INIT) {
            for (int flags : FLAGS) {
                String bad = CalloutStates.check(iflags | init, flags, linked, running, recorded);
                assertNull(bad, () -> "should be legal: "
                        + CalloutStates.describe(iflags | init, flags, linked, running, recorded));
            }
        }
    }

    /** Asserts rejection and that the message names the state and contains {@code rule}. */
    private static void rejected(int iflags, boolean linked, boolean running, boolean recorded, String rule) {
        String bad = CalloutStates.check(iflags, CALLOUT_ACTIVE, linked, running, recorded);
        assertNotNull(bad, () -> "should be illegal: "
                + CalloutStates.describe(iflags, CALLOUT_ACTIVE, linked, running, recorded));
        String state = CalloutStates.describe(iflags, CALLOUT_ACTIVE, linked, running, recorded);
        assertTrue(bad.contains(state), () -> "the message names the state " + state + ": " + bad);
        assertTrue(bad.contains(rule), () -> "the message names the rule '" + rule + "': " + bad);
    }

    @Test
    void idleAndDispatchedAreLegalWithOrWithoutALeftOverProcessed() {
        for (int left : new int[] {0, CALLOUT_PROCESSED}) {
            accepted(left, NO_LIST, false, false);            // IDLE
            accepted(left, NO_LIST, true, false);             // LOCKWAIT, CANCELLED-INFLIGHT, RUNNING
        }
        accepted(CALLOUT_DIRECT, NO_LIST, false, false);      // IDLE, once direct
        accepted(CALLOUT_DIRECT, NO_LIST, true, false);       // RUNNING on the direct entity
    }

    @Test
    void pendingAloneIsLinkedOnAWheelBucket() {
        accepted(CALLOUT_PENDING, ON_LIST, false, false);                  // WHEEL
        accepted(CALLOUT_PENDING, ON_LIST, true, false);                   // RUNNING+REARMED
        accepted(CALLOUT_PENDING | CALLOUT_DIRECT, ON_LIST, false, false); // WHEEL, direct
        accepted(CALLOUT_PENDING | CALLOUT_DIRECT, ON_LIST, true, false);
    }

    @Test
    void pendingProcessedIsOnTheExpireQueue() {
        accepted(CALLOUT_PENDING | CALLOUT_PROCESSED, ON_LIST, false, false); // EXPQ
        accepted(CALLOUT_PENDING | CALLOUT_PROCESSED, ON_LIST, true, false);  // RUNNING+REARMED
    }

    @Test
    void deferredMigrationIsOnNoListWhileItsInvocationRuns() {
        for (int extra : new int[] {0, CALLOUT_PROCESSED, CALLOUT_DIRECT}) {
            accepted(CALLOUT_PENDING | CALLOUT_DFRMIGRATION | extra, NO_LIST, true, true); // RUNNING+DEFERRED
            accepted(CALLOUT_DFRMIGRATION | extra, NO_LIST, true, true); // after a drain's step 2
        }
    }

    @Test
    void aCalloutOnAListIsPendingAndNotADeferredMigration() {
        rejected(CALLOUT_PROCESSED, ON_LIST, false, false, "on a list without PENDING");
        rejected(0, ON_LIST, false, false, "on a list without PENDING");
        rejected(CALLOUT_DIRECT, ON_LIST, true, false, "on a list without PENDING");
        rejected(CALLOUT_PENDING | CALLOUT_DFRMIGRATION, ON_LIST, true, true, "DFRMIGRATION on a list");
        rejected(CALLOUT_PENDING | CALLOUT_PROCESSED | CALLOUT_DFRMIGRATION, ON_LIST, true, true,
                "DFRMIGRATION on a list");
    }

    @Test
    void aPendingCalloutOnNoListIsADeferredMigration() {
        rejected(CALLOUT_PENDING, NO_LIST, false, false, "PENDING on no list without DFRMIGRATION");
        rejected(CALLOUT_PENDING | CALLOUT_PROCESSED, NO_LIST, true, false, "PENDING on no list without DFRMIGRATION");
    }

    @Test
    void aDeferredMigrationNeedsItsRunningInvocationAndRecord() {
        String rule = "DFRMIGRATION without a running invocation that holds the migration record";
        rejected(CALLOUT_PENDING | CALLOUT_DFRMIGRATION, NO_LIST, false, false, rule);
        rejected(CALLOUT_PENDING | CALLOUT_DFRMIGRATION, NO_LIST, true, false, rule);
        rejected(CALLOUT_DFRMIGRATION, NO_LIST, false, false, rule);
        rejected(CALLOUT_DFRMIGRATION, NO_LIST, true, false, rule);
    }

    @Test
    void aDirectCalloutIsNeverProcessed() {
        String rule = "PROCESSED with DIRECT";
        rejected(CALLOUT_PENDING | CALLOUT_PROCESSED | CALLOUT_DIRECT, ON_LIST, false, false, rule);
        rejected(CALLOUT_PROCESSED | CALLOUT_DIRECT, NO_LIST, false, false, rule);
    }

    @Test
    void bitsTheEngineNeverSetsAreRejected() {
        rejected(CALLOUT_LOCAL_ALLOC, NO_LIST, false, false, "c_iflags holds bits the engine never sets (0x1)");
        rejected(CALLOUT_ACTIVE | CALLOUT_PENDING, ON_LIST, false, false, "(0x2)");
        String bad = CalloutStates.check(0, CALLOUT_ACTIVE | CALLOUT_PENDING, NO_LIST, false, false);
        assertNotNull(bad);
        assertTrue(bad.contains("c_flags holds bits other than ACTIVE (0x4)"), bad);
    }

    @Test
    void theStateIsNamedBitByBit() {
        assertEquals("c_iflags=PENDING|PROCESSED|RETURNUNLOCKED, ACTIVE, on a list, not running",
                CalloutStates.describe(CALLOUT_PENDING | CALLOUT_PROCESSED | CALLOUT_RETURNUNLOCKED, CALLOUT_ACTIVE,
                        true, false, false));
        assertEquals("c_iflags=0, not ACTIVE, on no list, running",
                CalloutStates.describe(0, 0, false, true, false));
        assertEquals("c_iflags=DFRMIGRATION|DIRECT|SHAREDLOCK|0x1, ACTIVE, on no list, running with a migration record",
                CalloutStates.describe(CALLOUT_DFRMIGRATION | CALLOUT_DIRECT | CALLOUT_SHAREDLOCK | CALLOUT_LOCAL_ALLOC,
                        CALLOUT_ACTIVE, false, true, true));
    }
}
