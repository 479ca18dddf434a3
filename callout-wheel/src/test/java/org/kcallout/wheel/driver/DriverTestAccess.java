package org.kcallout.wheel.driver;

/**
 * Test-only access to the drivers' {@code start}/{@code stop} (protected in
 * {@link org.kcallout.et.EventTimer}: a registry calls them), for tests in other packages that
 * call them directly or verify them on a Mockito mock ({@code DriverTestAccess.start(verify(drv), ...)}).
 */
public final class DriverTestAccess {
    private DriverTestAccess() {
    }

    /** {@return {@code d.start(cpu, first, period)}} */
    public static int start(VirtualTimerDriver d, int cpu, long first, long period) {
        return d.start(cpu, first, period);
    }

    /** {@return {@code d.stop(cpu)}} */
    public static int stop(VirtualTimerDriver d, int cpu) {
        return d.stop(cpu);
    }

    /** {@return {@code d.start(cpu, first, period)}} */
    public static int start(RealTimeTimerDriver d, int cpu, long first, long period) {
        return d.start(cpu, first, period);
    }

    /** {@return {@code d.stop(cpu)}} */
    public static int stop(RealTimeTimerDriver d, int cpu) {
        return d.stop(cpu);
    }
}
