package org.kcallout.et;

import static org.mockito.Mockito.CALLS_REAL_METHODS;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

import org.kcallout.Sbt;

/** Test drivers: Mockito mocks of {@link EventTimer} built through its real constructor. */
final class EtTestTimers {
    /** Both capabilities. */
    static final int BOTH = EventTimer.ET_FLAGS_PERIODIC | EventTimer.ET_FLAGS_ONESHOT;
    /** Default period range of the test drivers. */
    static final long MIN = Sbt.SBT_1US * 10;
    static final long MAX = Sbt.SBT_1S * 2;

    private EtTestTimers() {
    }

    /**
     * A driver whose start and stop are Mockito-recorded and return 0 unless stubbed (with
     * {@code doReturn(..).when(et).start(..)}); everything else is the real {@link EventTimer}.
     */
    static EventTimer driver(String name, int flags, int quality) {
        return driver(name, flags, quality, 0, MIN, MAX);
    }

    static EventTimer driver(String name, int flags, int quality, long frequency, long min, long max) {
        return mock(EventTimer.class, withSettings()
                .useConstructor(name, flags, quality, frequency, min, max)
                .defaultAnswer(CALLS_REAL_METHODS));
    }

    /** A driver "without a stop method" (C: {@code et_stop == NULL}): it overrides start only. */
    static final class NoStopTimer extends EventTimer {
        int starts;

        NoStopTimer(String name, int flags, int quality) {
            super(name, flags, quality, 0, MIN, MAX);
        }

        @Override
        protected int start(int cpu, long first, long period) {
            starts++;
            return 0;
        }

        /** Raises one event, as the driver's interrupt would. */
        boolean interrupt(int cpu) {
            return fire(cpu);
        }
    }
}
