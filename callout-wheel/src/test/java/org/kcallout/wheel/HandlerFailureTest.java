package org.kcallout.wheel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.wheel.clock.HandlerFailedException;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;

/**
 * Under virtual time a handler that throws fails the advance that ran it (issue 13, "failures
 * that fail the test"): the advance completes, then throws a {@link HandlerFailedException}
 * carrying the handler's exception and the callout, unless the system was built with a failure
 * hook of its own. On every deterministic clock ({@link Clocks}).
 */
final class HandlerFailureTest {

    /** A handler that throws the exception it is given. */
    private static final CalloutFunc<RuntimeException> THROW = e -> {
        throw e;
    };
    private static final CalloutFunc<AtomicInteger> COUNT = AtomicInteger::incrementAndGet;

    private static Callout armed(CalloutWheel sys, int ticks, CalloutFunc<RuntimeException> f, RuntimeException e) {
        Callout c = new Callout();
        sys.init(c, true);
        sys.reset(c, ticks, f, e);
        return c;
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void throwingHandler_failsTheAdvance_afterTheAdvanceCompleted(Clocks clocks) {
        Clocks.Setup s = clocks.create();
        try (CalloutWheel sys = s.build(b -> b.ncpus(2))) {
            s.time().advanceTicks(3);
            RuntimeException boom = new IllegalStateException("boom");
            Callout bad = armed(sys, 10, THROW, boom);
            AtomicInteger later = new AtomicInteger();
            Callout good = new Callout();
            sys.init(good, true);
            sys.reset(good, 20, COUNT, later);
            long target = s.time().now() + 40 * sys.tickSbt();

            HandlerFailedException e = assertThrows(HandlerFailedException.class, () -> s.time().advanceTicks(40));

            assertSame(boom, e.getCause(), "the handler's own exception is the cause");
            assertSame(bad, e.callout());
            assertTrue(e.time() >= bad.time(), "reported at or after the callout's time");
            assertTrue(e.getMessage().contains("boom"), e.getMessage());
            assertEquals(1, later.get(), "the callout due after the failing one still ran in that advance");
            assertEquals(target, s.time().now(), "time reached the advance's target before the throw");
            assertEquals(-1, sys.stop(bad), "not pending, not running (MODERN)");
            assertEquals(-1, sys.stop(good), "not pending, not running (MODERN)");
            s.time().advanceTicks(5); // the failure was thrown once: the next advance is clean
        }
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void twoFailuresInOneAdvance_theFirstIsThrown_theSecondSuppressed(Clocks clocks) {
        Clocks.Setup s = clocks.create();
        try (CalloutWheel sys = s.build(b -> b.ncpus(1))) {
            s.time().advanceTicks(3);
            RuntimeException first = new IllegalArgumentException("first");
            RuntimeException second = new UnsupportedOperationException("second");
            Callout a = armed(sys, 5, THROW, first);
            Callout b = armed(sys, 30, THROW, second);

            HandlerFailedException e = assertThrows(HandlerFailedException.class, () -> s.time().advanceTicks(60));

            assertSame(first, e.getCause());
            assertSame(a, e.callout());
            assertEquals(1, e.getSuppressed().length, "one further failure");
            HandlerFailedException s2 = assertInstanceOf(HandlerFailedException.class, e.getSuppressed()[0]);
            assertSame(second, s2.getCause());
            assertSame(b, s2.callout());
        }
    }

    @ParameterizedTest
    @EnumSource(Clocks.class)
    void ownFailureHook_receivesTheFailure_andTheAdvanceReturns(Clocks clocks) {
        Clocks.Setup s = clocks.create();
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        List<Callout> of = new CopyOnWriteArrayList<>();
        try (CalloutWheel sys = s.build(b -> b.ncpus(1).failureHook((c, t) -> {
            of.add(c);
            seen.add(t);
        }))) {
            RuntimeException boom = new IllegalStateException("boom");
            Callout bad = armed(sys, 2, THROW, boom);
            s.time().advanceTicks(10); // returns normally: the test's hook took the failure
            assertEquals(List.of(boom), seen);
            assertEquals(List.of(bad), of);
        }
    }

    /** A failure of a handler run by a test driving a CPU by hand, outside any advance: the next one throws it. */
    @Test
    void failureOutsideAnAdvance_isThrownByTheNextAdvance() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build()) {
            RuntimeException boom = new IllegalStateException("direct boom");
            Callout c = new Callout();
            sys.init(c, true);
            // A direct callout runs inside callout_process, here on this thread, not in an advance.
            sys.resetSbt(c, sys.tickSbt(), 0, THROW, boom, CalloutFlags.C_DIRECT_EXEC);
            WheelProbe.of(sys).calloutProcess(0, vt.now() + 2 * sys.tickSbt());

            HandlerFailedException e = assertThrows(HandlerFailedException.class, () -> vt.advance(0));
            assertSame(boom, e.getCause());
            assertSame(c, e.callout());
            vt.advance(0); // thrown once
        }
    }

    /** An advance stopped by something else (the runaway guard) carries the handlers' failures with it. */
    @Test
    void advanceEndedByAnotherError_carriesTheFailuresAsSuppressed() {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().ncpus(1).clock(vt).build()) {
            RuntimeException boom = new IllegalStateException("boom");
            Callout bad = armed(sys, 1, THROW, boom);
            // A callout that re-arms itself for "now" forever: the time base's runaway guard stops it.
            Callout runaway = new Callout();
            sys.init(runaway, true);
            CalloutFunc<Callout> loop = new CalloutFunc<>() {
                @Override
                public void call(Callout self) {
                    sys.resetSbt(self, 0, 0, this, self, 0);
                }
            };
            sys.resetSbt(runaway, 3 * sys.tickSbt(), 0, loop, runaway, 0);

            IllegalStateException e = assertThrows(IllegalStateException.class, () -> vt.advanceTicks(10));

            assertTrue(e.getMessage().startsWith("advanceTo:"), e.getMessage());
            HandlerFailedException f = assertInstanceOf(HandlerFailedException.class, e.getSuppressed()[0]);
            assertSame(boom, f.getCause());
            assertSame(bad, f.callout());
            sys.stop(runaway);
        }
    }

    @Test
    void realTimeClock_hasNoDefaultHook_virtualClockHasOne() {
        assertNull(new RealTimeTicklessClock().defaultFailureHook(), "real time: failures are logged");
        assertTrue(new VirtualTicklessClock().defaultFailureHook() != null, "virtual time: failures fail the advance");
    }
}
