package org.kcallout.demo;

/**
 * The final accounting of a run.
 *
 * @param armed            arms ({@code callout_reset} calls)
 * @param fired            handler invocations that ended an outstanding arm
 * @param cancelled        arms ended by a reset, stop or drain that reported removing them
 * @param outstanding      arms still outstanding (0 after every connection was closed)
 * @param lost             {@code armed - fired - cancelled - outstanding}: arms that vanished
 * @param duplicates       handler invocations, or reported cancellations, with no outstanding arm
 * @param stopRemovedRearm cancellations by a {@code callout_stop} that returned 0 (the invocation
 *                         was finishing, and a pending re-arm was removed)
 * @param lateSamples      lateness samples recorded (equals {@code fired})
 * @param p50LateUs        median handler lateness, microseconds
 * @param p99LateUs        99th percentile handler lateness, microseconds
 * @param events           driver events
 * @param closes           connections closed (and, during the run, re-opened)
 */
record Result(long armed, long fired, long cancelled, long outstanding, long lost, long duplicates,
              long stopRemovedRearm, long lateSamples, long p50LateUs, long p99LateUs, long events,
              long closes) {

    /** @return true if every arm was accounted for exactly once and nothing is outstanding */
    boolean ok() {
        return lost == 0 && duplicates == 0 && outstanding == 0;
    }

    /**
     * The demo's final line.
     *
     * @param interrupts event-timer interrupts taken during the run
     * @return {@code kcallout demo: armed=A fired=F cancelled=C lost=L p50_late_us=X p99_late_us=Y interrupts=N}
     */
    String line(long interrupts) {
        return "kcallout demo: armed=" + armed + " fired=" + fired + " cancelled=" + cancelled
                + " lost=" + lost + " p50_late_us=" + p50LateUs + " p99_late_us=" + p99LateUs
                + " interrupts=" + interrupts;
    }
}
