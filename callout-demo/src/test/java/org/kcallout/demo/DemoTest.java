package org.kcallout.demo;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kcallout.et.EventTimer.ET_FLAGS_ONESHOT;
import static org.kcallout.et.EventTimer.ET_FLAGS_PERIODIC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kcallout.KernTimeout;
import org.kcallout.Sbt;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.kcallout.wheel.clock.VirtualTimebase;
import org.kcallout.wheel.driver.VirtualTimerDriver;

/**
 * The demo's simulation on a virtual clock: everything (drivers, interrupts, handlers) runs on the
 * test thread, deterministically, with no sleeps; plus the command-line handling, the final line,
 * and two one-second runs on the real-time clocks (which assert no duration).
 */
final class DemoTest {

    private static final long SEED = 20240611L;
    private static final int CONNECTIONS = 200;
    private static final int STEPS = 2000;
    private static final int EVENTS_PER_STEP = 25;
    /** Virtual time per step: 2000 steps of 5 ms are 10 s, long enough for every timer to fire. */
    private static final long STEP_SBT = Sbt.mstosbt(5);
    /** The final line: every field a number, lost=0, interrupts last. */
    private static final Pattern FINAL_LINE = Pattern.compile("kcallout demo: armed=\\d+ fired=\\d+ cancelled=\\d+ "
            + "lost=0 p50_late_us=\\d+ p99_late_us=\\d+ interrupts=(\\d+)");

    /**
     * Runs {@link #STEPS} steps of one driver against {@link #CONNECTIONS} connections, advancing
     * virtual time after each, then closes everything.
     */
    private static Result runVirtual(long seed) {
        return runVirtual(seed, 1);
    }

    private static Result runVirtual(long seed, int ncpus) {
        VirtualTicklessClock vt = new VirtualTicklessClock();
        try (CalloutWheel sys = CalloutWheel.builder().clock(vt).ncpus(ncpus)
                .ncallout(16 + Conn.TT_N * CONNECTIONS).build()) {
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

    /** Connections spread over three callout CPUs (id % 3) keep the accounting exact. */
    @Test
    void simulation_threeCpusVirtualTime_accountsForEveryArmExactly() {
        Result r = runVirtual(SEED, 3);
        String ctx = "seed " + SEED + ", 3 CPUs: " + r;
        assertAll(
                () -> assertEquals(0, r.lost(), ctx),
                () -> assertEquals(0, r.duplicates(), ctx),
                () -> assertEquals(0, r.outstanding(), ctx),
                () -> assertTrue(r.fired() > 0, ctx),
                () -> assertTrue(r.cancelled() > 0, ctx),
                () -> assertTrue(r.ok(), ctx));
    }

    /** On a virtual clock the whole run is a function of the seed. */
    @Test
    void simulation_sameSeed_sameResult() {
        assertEquals(runVirtual(SEED), runVirtual(SEED));
    }

    /**
     * The demo's claim on an idle wheel, in virtual time: keepalives only, on the eventtimers(9)
     * clock source, one-shot mode takes far fewer timer interrupts than periodic mode.
     */
    @Test
    void idleWheel_virtualTime_oneShotTakesFarFewerInterruptsThanPeriodic() {
        long periodic = idleInterrupts(true);
        long oneshot = idleInterrupts(false);
        assertTrue(oneshot > 0 && oneshot * 10 < periodic, "one-shot " + oneshot + ", periodic " + periodic);
    }

    /** Interrupts taken by 10 virtual seconds of {@code --idle} on a virtual driver in the given mode. */
    private static long idleInterrupts(boolean periodic) {
        VirtualTimebase tb = new VirtualTimebase();
        EventTimers ets = new EventTimers();
        ets.register(new VirtualTimerDriver(tb, "virt", ET_FLAGS_ONESHOT | ET_FLAGS_PERIODIC, 100));
        EventTimerClock clock = EventTimerClock.builder().registry(ets).timecounter(tb).periodic(periodic).build();
        try (CalloutWheel sys = CalloutWheel.builder().clock(clock).ncpus(1).hz(Demo.HZ)
                .ncallout(16 + Conn.TT_N * CONNECTIONS).build()) {
            KernTimeout.setSystem(sys);
            Simulation sim = new Simulation(CONNECTIONS);
            sim.armKeepalives(new SplittableRandom(SEED));
            tb.advance(10 * Sbt.SBT_1S);
            sim.closeAll();
            Result r = sim.result();
            assertTrue(r.ok() && r.fired() > CONNECTIONS, r.toString());
            return clock.interrupts();
        }
    }

    @Test
    void parse_noArguments_givesDefaults() throws Exception {
        Options o = Options.parse(new String[0], 7);
        assertEquals(new Options(4000, 5, 2, 50_000, 7, false, Options.Mode.ONESHOT, Options.TimerDriver.TICKLESS,
                false, 1), o);
    }

    @Test
    void parse_bothValueForms_areAccepted() throws Exception {
        Options o = Options.parse(new String[] {"--connections", "10", "--seconds=3", "--threads=1",
                "--rate", "100", "--seed=-5", "--mode", "periodic", "--driver=realtime", "--cpus", "3"}, 7);
        assertEquals(new Options(10, 3, 1, 100, -5, false, Options.Mode.PERIODIC, Options.TimerDriver.REALTIME,
                false, 3), o);
    }

    /** Without --driver, periodic mode takes the clock source (the tickless clock cannot do it). */
    @Test
    void parse_periodicWithoutDriver_choosesRealtime() throws Exception {
        assertEquals(Options.TimerDriver.REALTIME, Options.parse(new String[] {"--mode=periodic"}, 7).driver());
        assertEquals(Options.TimerDriver.TICKLESS, Options.parse(new String[] {"--mode=oneshot"}, 7).driver());
        assertEquals(Options.TimerDriver.REALTIME,
                Options.parse(new String[] {"--driver", "realtime"}, 7).driver(), "realtime in one-shot mode");
    }

    @Test
    void parse_idle_setsIdleAndKeepsTheOtherDefaults() throws Exception {
        Options o = Options.parse(new String[] {"--idle", "--seconds", "2"}, 7);
        assertTrue(o.idle());
        assertEquals(2, o.seconds());
        assertEquals(Options.DEFAULT_CONNECTIONS, o.connections());
        assertFalse(Options.parse(new String[0], 7).idle());
    }

    @Test
    void parse_badOptions_areRejected() {
        for (String[] args : new String[][] {{"--bogus"}, {"--seconds"}, {"--seconds", "x"},
                {"--threads", "0"}, {"--connections=-1"}, {"--help=yes"}, {"extra"}, {"--mode", "sometimes"},
                {"--mode"}, {"--driver", "hpet"}, {"--idle=yes"}, {"--idle", "--rate", "10"},
                {"--threads=1", "--idle"}, {"--mode", "periodic", "--driver", "tickless"}, {"--cpus", "0"},
                {"--cpus=257"}}) {
            assertThrows(Options.UsageException.class, () -> Options.parse(args, 7), String.join(" ", args));
        }
    }

    @Test
    void run_ticklessPeriodic_exits2WithAClearMessage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Demo.run(new String[] {"--driver", "tickless", "--mode", "periodic"}, utf8(out), utf8(err));
        assertEquals(2, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("kcallout demo: --driver tickless is one-shot only"), e);
    }

    @Test
    @SuppressWarnings("try") // the system is opened only for what it makes its clock do
    void clockFor_eachDriverAndMode_buildsTheRightClock() throws Exception {
        Demo.Clock tickless = Demo.clockFor(Options.parse(new String[0], 7));
        assertInstanceOf(RealTimeTicklessClock.class, tickless.source());
        for (String mode : new String[] {"periodic", "oneshot"}) {
            Demo.Clock c = Demo.clockFor(Options.parse(new String[] {"--driver", "realtime", "--mode", mode}, 7));
            EventTimerClock etc = assertInstanceOf(EventTimerClock.class, c.source());
            try (CalloutWheel sys = CalloutWheel.builder().clock(etc).ncpus(1).hz(Demo.HZ).build()) {
                assertEquals(mode.equals("periodic"), etc.periodic(), mode);
                assertEquals("nanotime", etc.timer().name());
            }
        }
    }

    @Test
    void finalLine_endsWithInterrupts() {
        Result r = new Result(10, 6, 4, 0, 0, 0, 0, 6, 120, 900, 50, 1);
        String line = r.line(1234);
        assertEquals("kcallout demo: armed=10 fired=6 cancelled=4 lost=0 p50_late_us=120 p99_late_us=900 interrupts=1234",
                line);
        assertTrue(FINAL_LINE.matcher(line).matches());
    }

    /** One real-time second per driver, idle: exit 0, and the last line in the documented format. */
    @Test
    void run_idleOneSecondOnEachRealTimeClock_lastLineHasInterrupts() {
        for (String[] clock : new String[][] {{"--driver", "tickless"}, {"--driver", "realtime", "--mode", "periodic"},
                {"--driver", "tickless", "--cpus", "2"}}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            List<String> args = new ArrayList<>(List.of("--seconds", "1", "--connections", "20", "--idle"));
            args.addAll(List.of(clock));
            int status = Demo.run(args.toArray(new String[0]), utf8(out), utf8(err));
            String[] lines = out.toString(StandardCharsets.UTF_8).split("\\R");
            String last = lines[lines.length - 1];
            String ctx = String.join(" ", clock) + ": " + last + " / " + err.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, ctx);
            Matcher m = FINAL_LINE.matcher(last);
            assertTrue(m.matches(), ctx);
            if (clock[1].equals("realtime")) { // periodic: interrupts whatever is pending (one-shot: none may be due in 1 s)
                assertTrue(Long.parseLong(m.group(1)) > 0, ctx);
            }
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
