package org.kcallout.wheel.kern;

import static org.kcallout.CalloutFlags.CALLOUT_ACTIVE;
import static org.kcallout.CalloutFlags.CALLOUT_DFRMIGRATION;
import static org.kcallout.CalloutFlags.CALLOUT_DIRECT;
import static org.kcallout.CalloutFlags.CALLOUT_PENDING;
import static org.kcallout.CalloutFlags.CALLOUT_PROCESSED;
import static org.kcallout.CalloutFlags.CALLOUT_RETURNUNLOCKED;
import static org.kcallout.CalloutFlags.CALLOUT_SHAREDLOCK;
import static org.kcallout.internal.CalloutAccess.ccVolatile;
import static org.kcallout.internal.CalloutAccess.flags;
import static org.kcallout.internal.CalloutAccess.iflags;
import static org.kcallout.internal.CalloutAccess.isEmpty;

import org.kcallout.Callout;

/**
 * The legal states of a callout's {@code c_iflags}, together with where the callout is linked and
 * what the execution entities of its CPU ({@code c_cpu}) hold: SPEC §3 written as a table, checked
 * by {@code assert} wherever the engine hands a callout from one state to another
 * ({@code callout_cc_add}, the scan and {@code softclock} as they take it off its list,
 * {@code softclock_call_cc} before and after the handler, every stop path, close()).
 *
 * <pre>
 *   c_iflags (state bits)   linked on          entities of c_cpu        SPEC §3 state
 *   ----------------------  -----------------  -----------------------  ---------------------------------
 *   0                       no list            none runs c              IDLE
 *   0                       no list            one runs c               LOCKWAIT, CANCELLED-INFLIGHT,
 *                                                                       RUNNING (dispatch cleared PENDING)
 *   PENDING                 a wheel bucket     any                      WHEEL (+RUNNING: RUNNING+REARMED)
 *   PENDING|PROCESSED       the expire queue   any                      EXPQ (+RUNNING: RUNNING+REARMED)
 *   PENDING|DFRMIGRATION    no list            one runs c and holds     RUNNING+DEFERRED
 *                                              the migration record
 *   DFRMIGRATION            no list            one runs c and holds     RUNNING+DEFERRED after a drain's
 *                                              the migration record     step 2 cleared PENDING; completion
 *                                                                       discards the record (§4.8, §5.5)
 * </pre>
 *
 * The other bits of the word:
 * <ul>
 *   <li>{@code PROCESSED} on a callout on no list is left over from its last stay on the expire
 *       queue: dispatch and every stop clear only PENDING, as FreeBSD does, and the next arm clears
 *       it. Any "no list" row may carry it; on a list it means the expire queue.</li>
 *   <li>{@code DIRECT} is sticky from the first arm with {@code C_DIRECT_EXEC} to the next init
 *       (SPEC §2.2, §5.10): any row, but never with PROCESSED, since a direct callout is run by the
 *       scan and never queued, and the arm that sets DIRECT clears PROCESSED. Because of
 *       §5.10 the entity running {@code c} need not be the one its DIRECT bit names, so the table
 *       asks whether <em>either</em> entity runs it.</li>
 *   <li>{@code RETURNUNLOCKED} and {@code SHAREDLOCK} are init flags: any row, changed only by init.</li>
 *   <li>No other bit: {@code LOCAL_ALLOC} belongs to the legacy timeout(9) pool, which does not set
 *       it here; {@code MPSAFE} is refused at init; {@code ACTIVE} lives in {@code c_flags}.</li>
 *   <li>{@code c_flags} holds ACTIVE and nothing else; every row may have it or not
 *       ({@code callout_deactivate} clears it at any time, without the CPU lock).</li>
 * </ul>
 *
 * <p>Which list a linked callout is on is not looked up (that would walk the lists); the callers
 * that know it (the scan, {@code softclock}) check PROCESSED against it themselves.
 */
final class CalloutStates {
    /* Implementation notes: stateless. check() is a pure function of what it is given, so that the
     * table can be tested on its own; holds() reads a callout's fields for it under the CPU lock and
     * is meant to be called only inside `assert` (it throws AssertionError itself, with the message
     * naming the state), so that it costs nothing without -ea. It allocates only when it fails. */

    /** Every bit {@code c_iflags} may hold in this engine. */
    static final int IFLAGS_KNOWN = CALLOUT_PENDING | CALLOUT_PROCESSED | CALLOUT_DFRMIGRATION | CALLOUT_DIRECT
            | CALLOUT_RETURNUNLOCKED | CALLOUT_SHAREDLOCK;

    private CalloutStates() {
    }

    /**
     * The table.
     *
     * @param iflags    {@code c_iflags}
     * @param flags     {@code c_flags}
     * @param linked    whether the callout is on a list (a wheel bucket or the expire queue)
     * @param running   whether an execution entity of its CPU has it as {@code cc_curr}
     * @param recorded  whether such an entity also holds a migration record
     * @return null if the combination is legal, else what is wrong with it, naming the state
     */
    static String check(int iflags, int flags, boolean linked, boolean running, boolean recorded) {
        String broken = brokenRule(iflags, flags, linked, running, recorded);
        return broken == null ? null : "illegal callout state " + describe(iflags, flags, linked, running, recorded)
                + ": " + broken;
    }

    private static String brokenRule(int iflags, int flags, boolean linked, boolean running, boolean recorded) {
        if ((iflags & ~IFLAGS_KNOWN) != 0) {
            return "c_iflags holds bits the engine never sets (0x" + Integer.toHexString(iflags & ~IFLAGS_KNOWN) + ")";
        }
        if ((flags & ~CALLOUT_ACTIVE) != 0) {
            return "c_flags holds bits other than ACTIVE (0x" + Integer.toHexString(flags & ~CALLOUT_ACTIVE) + ")";
        }
        if ((iflags & (CALLOUT_PROCESSED | CALLOUT_DIRECT)) == (CALLOUT_PROCESSED | CALLOUT_DIRECT)) {
            return "PROCESSED with DIRECT: a direct callout never goes to the expire queue";
        }
        boolean pending = (iflags & CALLOUT_PENDING) != 0;
        boolean deferred = (iflags & CALLOUT_DFRMIGRATION) != 0;
        if (linked && !pending) {
            return "on a list without PENDING: whatever takes a callout off its list clears PENDING";
        }
        if (linked && deferred) {
            return "DFRMIGRATION on a list: a deferred migration is on no list until completion arms it";
        }
        if (!linked && pending && !deferred) {
            return "PENDING on no list without DFRMIGRATION: nothing would ever run it";
        }
        if (deferred && !(running && recorded)) {
            return "DFRMIGRATION without a running invocation that holds the migration record";
        }
        return null;
    }

    /** Names a state: its bits, where it is linked and what runs it. */
    static String describe(int iflags, int flags, boolean linked, boolean running, boolean recorded) {
        StringBuilder b = new StringBuilder("c_iflags=");
        int n = b.length();
        String[] names = {"PENDING", "PROCESSED", "DFRMIGRATION", "DIRECT", "RETURNUNLOCKED", "SHAREDLOCK"};
        int[] bits = {CALLOUT_PENDING, CALLOUT_PROCESSED, CALLOUT_DFRMIGRATION, CALLOUT_DIRECT, CALLOUT_RETURNUNLOCKED,
                CALLOUT_SHAREDLOCK};
        for (int i = 0; i < bits.length; i++) {
            if ((iflags & bits[i]) != 0) {
                b.append(b.length() > n ? "|" : "").append(names[i]);
            }
        }
        if ((iflags & ~IFLAGS_KNOWN) != 0) {
            b.append(b.length() > n ? "|" : "").append("0x").append(Integer.toHexString(iflags & ~IFLAGS_KNOWN));
        }
        if (b.length() == n) {
            b.append('0');
        }
        b.append((flags & CALLOUT_ACTIVE) != 0 ? ", ACTIVE" : ", not ACTIVE");
        b.append(linked ? ", on a list" : ", on no list");
        b.append(running ? (recorded ? ", running with a migration record" : ", running") : ", not running");
        return b.toString();
    }

    /**
     * Checks {@code c} against the table, with {@code cc} locked; use only as
     * {@code assert CalloutStates.holds(c, cc, site)}. A callout that {@code c_cpu} no longer gives
     * to {@code cc} is guarded by another CPU's lock and is not looked at.
     *
     * @param c    the callout
     * @param cc   the CPU whose lock the caller holds
     * @param site the C function asserting, for the message
     * @return true
     * @throws AssertionError naming the site, the state and the rule it breaks, if it is illegal
     */
    static boolean holds(Callout c, CalloutCpu cc, String site) {
        if (!cc.lock.isHeldByCurrentThread()) {
            throw new AssertionError(site + ": CPU " + cc.cpuId + " not locked");
        }
        if (ccVolatile(c) != cc) {
            return true;
        }
        ExecEntity e0 = cc.exec[0];
        ExecEntity e1 = cc.exec[1];
        boolean running = e0.curr == c || e1.curr == c;
        boolean recorded = (e0.curr == c && e0.migrating()) || (e1.curr == c && e1.migrating());
        String bad = check(iflags(c), flags(c), !isEmpty(c), running, recorded);
        if (bad != null) {
            throw new AssertionError(site + ": " + bad + ": " + c);
        }
        return true;
    }
}
