package org.kcallout.demo;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.kcallout.KernTimeout;
import org.kcallout.Sbt;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.VirtualEventTimer;

/**
 * The demo's simulation on a virtual clock: everything (drivers, interrupts, handlers) runs on the
 * test thread, deterministically, with no sleeps; plus the command-line handling.
 */
final class DemoTest {

    private static final long SEED = 20240611L;
    private static final int CONNECTIONS = 200;
    private static final int STEPS = 2000;
    private static final int EVENTS_PER_STEP = 25;
    /** Virtual time per step: 2000 steps of 5 ms are 10 s, long enough for every timer to fire. */
    private static final long STEP_SBT = Sbt.mstosbt(5);

    /**
     * Runs {@link #STEPS} steps of one driver against {@link #CONNECTIONS} connections, advancing
     * virtual time after each, then closes everything.
     */
    private static Result runVirtual(long seed) {
        VirtualEventTimer vt = new VirtualEventTimer();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncallout(16 + Conn.TT_N * CONNECTIONS).build()) {
            KernTimeout.setSystem(sys);
            Simulation sim = new Simulation(CONNECTIONS);
            Driver driver = new Driver(sim, new SplittableRandom(seed));
            for (int i = 0; i < STEPS; i++) {
                driver.step(EVENTS_PER_STEP);
                vt.advance(STEP_SBT); // handlers due by now run here, on this thread
            }
            sim.closeAll();
            return sim.result();
        }
    }

    @Test
    void simulation_virtualTime_accountsForEveryArmExactly() {
        Result r = runVirtual(SEED);
        String ctx = "seed " + SEED + ": " + r;
        assertAll(
                () -> assertEquals(0, r.lost(), ctx),
                () -> assertEquals(0, r.duplicates(), ctx),
                () -> assertEquals(0, r.outstanding(), ctx),
                () -> assertTrue(r.fired() > 0, ctx),
                () -> assertTrue(r.cancelled() > 0, ctx),
                () -> assertTrue(r.closes() > CONNECTIONS, "some connections closed mid-run: " + ctx),
                () -> assertEquals(r.fired(), r.lateSamples(), ctx),
                () -> assertTrue(r.ok(), ctx));
    }

    /** On a virtual clock the whole run is a function of the seed. */
    @Test
    void simulation_sameSeed_sameResult() {
        assertEquals(runVirtual(SEED), runVirtual(SEED));
    }

    @Test
    void parse_noArguments_givesDefaults() throws Exception {
        Options o = Options.parse(new String[0], 7);
        assertEquals(new Options(4000, 5, 2, 50_000, 7, false), o);
    }

    @Test
    void parse_bothValueForms_areAccepted() throws Exception {
        Options o = Options.parse(new String[] {"--connections", "10", "--seconds=3", "--threads=1",
                "--rate", "100", "--seed=-5"}, 7);
        assertEquals(new Options(10, 3, 1, 100, -5, false), o);
    }

    @Test
    void parse_badOptions_areRejected() {
        for (String[] args : new String[][] {{"--bogus"}, {"--seconds"}, {"--seconds", "x"},
                {"--threads", "0"}, {"--connections=-1"}, {"--help=yes"}, {"extra"}}) {
            assertThrows(Options.UsageException.class, () -> Options.parse(args, 7), String.join(" ", args));
        }
    }

    @Test
    void run_badOption_printsUsageAndReturns2() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Demo.run(new String[] {"--rate", "fast"}, utf8(out), utf8(err));
        assertEquals(2, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage: "), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void run_help_printsUsageAndReturns0() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Demo.run(new String[] {"--help"}, utf8(out), utf8(new ByteArrayOutputStream()));
        assertEquals(0, status);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: "));
    }

    private static PrintStream utf8(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
