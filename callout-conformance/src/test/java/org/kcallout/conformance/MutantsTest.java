package org.kcallout.conformance;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.CalloutSystem;
import org.kcallout.Profile;

/**
 * The kit catches broken implementations: each of thirteen deliberately broken systems (kcallout
 * wrapped in a decorator that gets one rule wrong) fails the named case that checks that rule.
 * The same cases pass on kcallout unwrapped ({@link InlineClockConformanceTest}).
 */
final class MutantsTest {

    /** The kit on kcallout wrapped in {@code wrap}, on the inline virtual clock. */
    private static CalloutConformance kitOn(UnaryOperator<CalloutSystem> wrap) {
        return new CalloutConformance() {
            @Override
            protected CalloutHarness newHarness(Profile profile, int ncpus) {
                return new WheelHarness(WheelHarness.Kind.INLINE, profile, ncpus, wrap);
            }

            @Override
            protected Set<Capability> capabilities() {
                return EnumSet.of(Capability.CLASSIC, Capability.SMP, Capability.ASYNC_DRAIN);
            }
        };
    }

    /** The same on the concurrent virtual clock, for the cases that hold a handler mid-flight. */
    private static CalloutConformance concurrentKitOn(UnaryOperator<CalloutSystem> wrap) {
        return new CalloutConformance() {
            @Override
            protected CalloutHarness newHarness(Profile profile, int ncpus) {
                return new WheelHarness(WheelHarness.Kind.CONCURRENT, profile, ncpus, wrap);
            }

            @Override
            protected Set<Capability> capabilities() {
                return EnumSet.allOf(Capability.class);
            }
        };
    }

    private static void killedBy(String mutant, Executable kitCase) {
        assertThrows(AssertionError.class, kitCase, "mutant '" + mutant + "' survived its case");
    }

    @Test
    void stopThatReportsACancelItDidNotMake_killedBySpec20() {
        killedBy("stop returns 1 and leaves the callout armed", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public int stop(Callout c) {
                return c.pending() ? 1 : d.stop(c);
            }
        })::spec20_stopPending_returns1_clearsFlags_handlerNeverRuns);
    }

    @Test
    void resetThatAlwaysReturns0_killedBySpec07() {
        killedBy("reset returns 0 even when it cancelled", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu,
                                      int flags) {
                d.resetSbtOn(c, sbt, pr, func, arg, cpu, flags);
                return 0;
            }
        })::spec07_rearmPending_returns1_onlyTheNewHandlerRunsOnce);
    }

    @Test
    void activeClearedOnExpiry_killedBySpec10() {
        killedBy("ACTIVE cleared when the callout fires", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu,
                                      int flags) {
                CalloutFunc<A> clearing = a -> {
                    func.call(a);
                    c.deactivate();
                };
                return d.resetSbtOn(c, sbt, pr, clearing, arg, cpu, flags);
            }
        })::spec10_afterFiring_notPendingButActive);
    }

    @Test
    void stopOfAnIdleCalloutReturning0InModern_killedBySpec21() {
        killedBy("MODERN stop of an idle callout returns CLASSIC's 0", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public int stop(Callout c) {
                return Math.max(0, d.stop(c));
            }
        })::spec21_stopNeverArmed_returnsMinus1);
    }

    @Test
    void drainThatDoesNotCancel_killedBySpec33() {
        killedBy("drain of a pending callout returns 1 and leaves it armed", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public int drain(Callout c) {
                return c.pending() ? 1 : d.drain(c);
            }
        })::spec33_drainPending_returns1_handlerNeverRuns);
    }

    @Test
    void drainOfAnIdleCalloutReturning0InModern_killedBySpec34() {
        killedBy("MODERN drain of an idle callout returns 0", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public int drain(Callout c) {
                return Math.max(0, d.drain(c));
            }
        })::spec34_drainIdle_returnsMinus1);
    }

    @Test
    void asyncDrainThatCallsBackAtOnce_killedBySpec41() {
        killedBy("async drain runs the callback although nothing runs", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public <A> int asyncDrain(Callout c, CalloutFunc<? super A> fn) {
                int r = d.asyncDrain(c, fn);
                fn.call(null);
                return r;
            }
        })::spec41_asyncDrainPendingOrIdle_callbackNeverRuns);
    }

    @Test
    void lifoForEqualDeadlines_killedByDecision4() {
        killedBy("equal deadlines run last-armed first", kitOn(d -> new ForwardingCalloutSystem(d) {
            private int arms;

            @Override
            public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu,
                                      int flags) {
                // Each later absolute arm a little earlier: the last armed runs first.
                long t = (flags & CalloutFlags.C_ABSOLUTE) != 0 ? sbt - (++arms) : sbt;
                return d.resetSbtOn(c, t, pr, func, arg, cpu, flags);
            }
        })::decision4_equalDeadlines_runInArmingOrder);
    }

    @Test
    void resetOnThatIgnoresTheCpu_killedBySpec45() {
        killedBy("callout_reset_on keeps the callout's CPU", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu,
                                      int flags) {
                return d.resetSbtOn(c, sbt, pr, func, arg, -1, flags);
            }
        })::spec45_resetPendingToCpu1_returns1_runsOnCpu1);
    }

    @Test
    void stopThatReports1WhileTheHandlerRuns_killedBySpec23() {
        killedBy("stop returns 1 while the handler runs", concurrentKitOn(d -> new ForwardingCalloutSystem(d) {
            private final java.util.Set<Callout> running = java.util.concurrent.ConcurrentHashMap.newKeySet();

            @Override
            public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu,
                                      int flags) {
                CalloutFunc<A> tracked = a -> {
                    running.add(c);
                    try {
                        func.call(a);
                    } finally {
                        running.remove(c);
                    }
                };
                return d.resetSbtOn(c, sbt, pr, tracked, arg, cpu, flags);
            }

            @Override
            public int stop(Callout c) {
                int r = d.stop(c);
                return running.contains(c) ? 1 : r;
            }
        })::spec23_stopWhileALocklessHandlerRuns_returns0_clearsActive_handlerCompletes);
    }

    @Test
    void stopThatDoesNotCancelALockWaitingInvocation_killedBySpec27() {
        killedBy("a stop under the lock leaves the lock-waiting invocation to run",
                concurrentKitOn(d -> new ForwardingCalloutSystem(d) {
                    @Override
                    public int stop(Callout c) {
                        return c.pending() ? d.stop(c) : 1; // claims the cancel, never makes it
                    }
                })::spec27_lockWait_stopUnderTheLock_returns1_handlerNeverRuns);
    }

    @Test
    void drainThatDoesNotWait_killedBySpec35() {
        killedBy("drain returns without waiting for the running handler",
                concurrentKitOn(d -> new ForwardingCalloutSystem(d) {
                    @Override
                    public int drain(Callout c) {
                        return d.stop(c) == 1 ? 1 : -1;
                    }
                })::spec35_drainWhileTheHandlerRuns_returnsAfterItWithMinus1);
    }

    @Test
    void tickArmsOneTickEarly_killedBySpec09() {
        killedBy("tick-based arms run a tick early", kitOn(d -> new ForwardingCalloutSystem(d) {
            @Override
            public <A> int resetSbtOn(Callout c, long sbt, long pr, CalloutFunc<? super A> func, A arg, int cpu,
                                      int flags) {
                boolean ticks = (flags & CalloutFlags.C_HARDCLOCK) != 0;
                return d.resetSbtOn(c, ticks ? sbt - 2 * d.tickSbt() : sbt, pr, func, arg, cpu, flags);
            }
        })::spec09_tenTickArm_runsNotBeforeItsTimeAndNotLate);
    }
}
