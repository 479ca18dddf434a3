package org.kcallout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.function.Executable;

/**
 * The misuse matrix of callout-api's own public classes (SPEC decision 3): {@link Sbt},
 * {@link CalloutFlags}, {@link KMutex}, {@link CalloutLock#of} and its adapters, and a
 * {@link Callout} that was never initialised. Each row is a bad call, the exception type it must
 * throw, and words its message must contain (the C function, the rule, the value). The
 * engine-facing classes have their matrices beside the engine ({@code CalloutWheelMisuseMatrixTest},
 * {@code EventTimersMisuseTest}).
 */
final class ApiMisuseMatrixTest {

    private static Arguments row(String name, Class<? extends RuntimeException> type, Executable call, String... words) {
        return Arguments.of(Named.of(name, call), type, List.of(words));
    }

    static Stream<Arguments> rows() {
        KMutex def = new KMutex("def");
        ReentrantLock jdk = new ReentrantLock();
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        CalloutLock jdkLock = CalloutLock.of(jdk);
        CalloutLock rwLock = CalloutLock.of(rw);
        return Stream.of(
                row("ustosbt(-1)", IllegalArgumentException.class, () -> Sbt.ustosbt(-1), "ustosbt", ">= 0", "-1"),
                row("mstosbt(Long.MIN_VALUE)", IllegalArgumentException.class, () -> Sbt.mstosbt(Long.MIN_VALUE),
                        "mstosbt", String.valueOf(Long.MIN_VALUE)),
                row("nstosbt(-1)", IllegalArgumentException.class, () -> Sbt.nstosbt(-1), "nstosbt", "-1"),
                row("sbttous(-1)", IllegalArgumentException.class, () -> Sbt.sbttous(-1), "sbttous", "-1"),
                row("sbttoms(Long.MIN_VALUE)", IllegalArgumentException.class, () -> Sbt.sbttoms(Long.MIN_VALUE), "sbttoms"),
                row("sbttons(-1)", IllegalArgumentException.class, () -> Sbt.sbttons(-1), "sbttons", "-1"),
                row("C_PREL(-1)", IllegalArgumentException.class, () -> CalloutFlags.C_PREL(-1), "C_PREL", "-1"),
                row("C_PREL(C_PRELRANGE)", IllegalArgumentException.class, () -> CalloutFlags.C_PREL(CalloutFlags.C_PRELRANGE),
                        "C_PREL", String.valueOf(CalloutFlags.C_PRELRANGE)),
                row("C_PREL(Integer.MIN_VALUE)", IllegalArgumentException.class, () -> CalloutFlags.C_PREL(Integer.MIN_VALUE), "C_PREL"),
                row("C_PREL(Integer.MAX_VALUE)", IllegalArgumentException.class, () -> CalloutFlags.C_PREL(Integer.MAX_VALUE), "C_PREL"),
                row("new KMutex(null)", IllegalArgumentException.class, () -> new KMutex(null), "mtx_init", "null"),
                row("new KMutex(name, unknown bits)", IllegalArgumentException.class, () -> new KMutex("m", 1 << 30),
                        "mtx_init", "40000000"),
                row("new KMutex(name, Integer.MIN_VALUE)", IllegalArgumentException.class, () -> new KMutex("m", Integer.MIN_VALUE),
                        "mtx_init", "80000000"),
                row("KMutex.unlock() not owned", IllegalStateException.class, def::unlock, "mtx_unlock", "def", "not owned"),
                row("KMutex.assertOwned() not owned", IllegalStateException.class, def::assertOwned, "MA_OWNED", "def"),
                row("KMutex.isQueued(null)", IllegalArgumentException.class, () -> def.isQueued(null), "isQueued", "null"),
                row("KMutex.lock() recursing on a non-recursive mutex", IllegalStateException.class, () -> {
                    def.lock();
                    try {
                        def.lock();
                    } finally {
                        def.unlock();
                    }
                }, "mtx_lock", "recursing", "def"),
                row("CalloutLock.of((ReentrantLock) null)", IllegalArgumentException.class,
                        () -> CalloutLock.of((ReentrantLock) null), "CalloutLock.of", "null"),
                row("CalloutLock.of((ReentrantReadWriteLock) null)", IllegalArgumentException.class,
                        () -> CalloutLock.of((ReentrantReadWriteLock) null), "CalloutLock.of", "null"),
                row("ReentrantLock adapter unlock() not held", IllegalStateException.class, jdkLock::unlock,
                        "mtx_unlock", "not held"),
                row("rwlock adapter unlock() not write-locked", IllegalStateException.class, rwLock::unlock,
                        "rw_wunlock", "not write-locked"),
                row("rwlock adapter unlockShared() not read-locked", IllegalStateException.class, rwLock::unlockShared,
                        "rw_runlock", "not read-locked"),
                row("rwlock adapter lock() while holding it shared (no upgrade)", IllegalStateException.class, () -> {
                    rwLock.lockShared();
                    try {
                        rwLock.lock();
                    } finally {
                        rwLock.unlockShared();
                    }
                }, "rw_wlock", "shared", "upgrade"));
    }

    /** Each bad call throws the documented type, names the function and the value, and never an NPE or AIOOBE. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void badCall_throwsTheDocumentedTypeNamingTheRule(Executable call, Class<? extends RuntimeException> type,
                                                      List<String> words) {
        RuntimeException e = assertThrows(RuntimeException.class, call);
        assertSame(type, e.getClass(), () -> "wrong exception type: " + e);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), () -> "message lacks '" + w + "': " + e.getMessage());
        }
    }

    /** A refused lock call leaves the lock as it was: the mutex is still free and usable. */
    @Test
    void refusedLockCalls_changeNothing() {
        KMutex m = new KMutex("m");
        m.lock();
        assertThrows(IllegalStateException.class, m::lock);
        assertTrue(m.owned());
        assertFalse(m.recursed(), "a refused recursion took no hold");
        m.unlock();
        assertFalse(m.owned());
        assertTrue(m.tryLock());
        m.unlock();

        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        CalloutLock l = CalloutLock.of(rw);
        l.lockShared();
        assertThrows(IllegalStateException.class, l::lock);
        assertEquals(1, rw.getReadHoldCount());
        assertFalse(rw.isWriteLocked());
        l.unlockShared();
        assertThrows(IllegalStateException.class, l::unlockShared);
        assertEquals(0, rw.getReadHoldCount());
    }

    /** Large values saturate rather than fail: FreeBSD wraps, kcallout stops at SBT_MAX. */
    @Test
    void conversions_largeValues_saturate() {
        assertEquals(Sbt.SBT_MAX, Sbt.ustosbt(Long.MAX_VALUE));
        assertEquals(Sbt.SBT_MAX, Sbt.mstosbt(Long.MAX_VALUE));
        assertEquals(Sbt.SBT_MAX, Sbt.add(Sbt.SBT_MAX, Sbt.SBT_MAX));
        assertEquals(Long.MIN_VALUE, Sbt.add(Long.MIN_VALUE, -1));
        assertEquals(-1, CalloutFlags.C_PRELGET(Integer.MIN_VALUE & ~0xfe));
    }

    /** A callout never initialised answers every query without an exception, as a zeroed struct would. */
    @Test
    void uninitialisedCallout_queriesAnswer() {
        Callout c = new Callout();
        assertFalse(c.pending());
        assertFalse(c.active());
        assertFalse(c.initialized());
        assertEquals(-1, c.cpu());
        c.deactivate();
        assertFalse(c.active());
        assertTrue(c.toString().startsWith("Callout["));
    }
}
