package org.kcallout.demo;

import java.io.PrintStream;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.kcallout.KernTimeout;
import org.kcallout.et.EventTimers;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.ClockSource;
import org.kcallout.wheel.clock.EventTimerClock;
import org.kcallout.wheel.clock.RealTimeTicklessClock;
import org.kcallout.wheel.driver.RealTimeTimerDriver;

/**
 * The demo's entry point: runs a {@link Simulation} on a real-time event timer.
 *
 * <pre>
 * mvn -q -DskipTests package exec:java -pl callout-demo -am
 * mvn -q -DskipTests package exec:java -pl callout-demo -am -Dexec.args="--seconds 3 --threads 4"
 * mvn -q -DskipTests package exec:java -pl callout-demo -am -Dexec.args="--idle --driver realtime --mode periodic"
 * </pre>
 *
 * <p>It builds a {@link CalloutWheel} (one CPU, {@code hz} 1000, the wheel sized as FreeBSD sizes
 * it, a real-time clock chosen by {@code --driver} and {@code --mode}), installs it with
 * {@link KernTimeout#setSystem}, opens the connections, starts the driver threads (with
 * {@code --idle}, only arms each connection's keepalive instead), prints progress once a second,
 * then stops the drivers, closes (stops and drains) every connection, and prints one final line:
 *
 * <pre>
 * kcallout demo: armed=A fired=F cancelled=C lost=0 p50_late_us=X p99_late_us=Y interrupts=N
 * </pre>
 *
 * where {@code interrupts} counts the event-timer interrupts taken from the start of the system to
 * its close: {@link EventTimerClock#interrupts()} for {@code --driver realtime},
 * {@link RealTimeTicklessClock#interrupts()} (deadline wake-ups of its thread) for
 * {@code --driver tickless}. In periodic mode the timer interrupts at its period whatever is
 * pending; in one-shot mode only when a callout window closes or a hardclock tick is due, and an
 * idle CPU skips ticks, so an idle wheel takes far fewer interrupts.
 *
 * Exit status: 0 when every arm was accounted for exactly once; 1 if any was lost, fired twice or a
 * handler or driver failed (a diagnostic goes to standard error); 2 for bad options.
 *
 * <p>Lateness is measured from the callout's {@code c_time}. FreeBSD lets a callout armed with
 * {@code callout_reset(c, ticks, ...)} run up to {@code interval >> tc_precexp} (6.25 %) late so
 * that nearby events share one interrupt, and kcallout does the same, so most of the lateness
 * reported is that allowed window being used, not scheduling delay.
 */
public final class Demo {
    /* Implementation notes: three kinds of threads. Drivers (kcallout-demo-driver-N) each own a
     * Driver and run until the shared running flag drops, pacing themselves to rate/threads events
     * per second: a batch, then parkNanos until the batch's slot in the schedule; a driver that
     * falls more than a second behind drops the backlog instead of bursting. The callout system's
     * own threads (event timer, softclock) run the handlers. The main thread prints progress, then
     * stops the drivers (flag, join), closes every connection (drains), closes the system and
     * reports. */

    /** {@code hz}. */
    static final int HZ = 1000;
    /** FreeBSD's cap on {@code ncallout}, which sizes the wheel (18508 gives 32768 buckets). */
    static final int NCALLOUT_MAX = 18508;

    private Demo() {
    }

    /**
     * Runs the demo; exits with status 1 or 2 on failure or bad options (returns normally on
     * success, so that {@code exec:java} finishes cleanly).
     *
     * @param args see {@link Options#USAGE}
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Parses {@code args} and runs the demo on the real-time clock.
     *
     * @return the exit status: 0 success, 1 accounting or run failure, 2 bad options
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options opt;
        try {
            opt = Options.parse(args, ThreadLocalRandom.current().nextLong());
        } catch (Options.UsageException e) {
            err.println("kcallout demo: " + e.getMessage());
            err.print(Options.USAGE);
            return 2;
        }
        if (opt.help()) {
            out.print(Options.USAGE);
            return 0;
        }
        return runRealTime(opt, out, err);
    }

    /**
     * The clock source the options ask for, and its interrupt counter.
     *
     * @param source     for {@link CalloutWheelBuilder#clock}
     * @param interrupts reads the event-timer interrupts taken so far
     */
    record Clock(ClockSource source, LongSupplier interrupts) {
    }

    /**
     * Builds the clock of {@code --driver} in the mode of {@code --mode}.
     *
     * @param opt the options (their driver and mode were checked by {@link Options#parse})
     * @return a fresh clock, not yet driving a system
     */
    static Clock clockFor(Options opt) {
        switch (opt.driver()) {
            case TICKLESS: {
                RealTimeTicklessClock t = new RealTimeTicklessClock(); // the library's default clock
                return new Clock(t, t::interrupts);
            }
            case REALTIME: {
                EventTimers ets = new EventTimers();               // a registry of its own
                ets.register(new RealTimeTimerDriver());
                EventTimerClock c = EventTimerClock.builder().registry(ets)
                        .periodic(opt.mode() == Options.Mode.PERIODIC).build();
                return new Clock(c, c::interrupts);
            }
            default:
                throw new IllegalStateException("no clock for driver " + opt.driver());
        }
    }

    private static int runRealTime(Options opt, PrintStream out, PrintStream err) {
        LongAdder handlerFailures = new LongAdder();
        int ncallout = (int) Math.min(16L + (long) Conn.TT_N * opt.connections(), NCALLOUT_MAX);
        Clock clock = clockFor(opt);
        CalloutWheel sys = CalloutWheel.builder()
                .clock(clock.source())
                .ncpus(opt.cpus())
                .hz(HZ)
                .ncallout(ncallout)
                .failureHook((c, t) -> {
                    handlerFailures.increment();
                    err.println("kcallout demo: a handler threw on " + c + ": " + t);
                })
                .build();
        KernTimeout.setSystem(sys);
        AtomicReference<Throwable> driverFailure = new AtomicReference<>();
        Simulation sim;
        try {
            sim = new Simulation(opt.connections());
            out.println("kcallout demo config: connections=" + opt.connections()
                    + (opt.idle() ? " traffic=idle" : " threads=" + opt.threads() + " rate=" + opt.rate() + "/s")
                    + " seconds=" + opt.seconds() + " seed=" + opt.seed()
                    + " hz=" + sys.hz() + " callwheelsize=" + sys.callwheelSize()
                    + " mode=" + opt.mode().label() + " driver=" + opt.driver().label() + " cpus=" + sys.ncpus());
            AtomicBoolean running = new AtomicBoolean(true);
            Thread[] drivers;
            if (opt.idle()) {
                sim.armKeepalives(new SplittableRandom(opt.seed())); // then only the keepalives run
                drivers = new Thread[0];
            } else {
                drivers = startDrivers(sim, opt, running, driverFailure);
            }
            long start = System.nanoTime();
            for (int s = 1; s <= opt.seconds(); s++) {
                parkUntil(start + TimeUnit.SECONDS.toNanos(s));
                out.println("t=" + s + "s armed=" + sim.armed() + " fired=" + sim.fired()
                        + " cancelled=" + sim.cancelled() + " events=" + sim.events()
                        + " closes=" + sim.closes() + " interrupts=" + clock.interrupts().getAsLong());
            }
            running.set(false);
            joinAll(drivers);
            sim.closeAll();
        } finally {
            sys.close();
        }
        Result r = sim.result();
        out.println(r.line(clock.interrupts().getAsLong()));
        boolean ok = r.ok() && handlerFailures.sum() == 0 && driverFailure.get() == null;
        if (!ok) {
            err.println("kcallout demo: FAILED: " + r + ", handler failures=" + handlerFailures.sum()
                    + ", seed=" + opt.seed());
            Throwable t = driverFailure.get();
            if (t != null) {
                err.println("kcallout demo: a driver thread failed:");
                t.printStackTrace(err);
            }
            return 1;
        }
        return 0;
    }

    private static Thread[] startDrivers(Simulation sim, Options opt, AtomicBoolean running,
                                         AtomicReference<Throwable> failure) {
        SplittableRandom root = new SplittableRandom(opt.seed());
        double perThreadRate = (double) opt.rate() / opt.threads();
        // About 100 batches a second per thread, at most 64 events each.
        int batch = (int) Math.max(1, Math.min(64, perThreadRate / 100));
        long nsPerBatch = Math.max(1, (long) (batch * 1e9 / perThreadRate));
        Thread[] drivers = new Thread[opt.threads()];
        for (int i = 0; i < drivers.length; i++) {
            Driver d = new Driver(sim, root.split());
            Thread t = new Thread(() -> pacedLoop(d, batch, nsPerBatch, running), "kcallout-demo-driver-" + i);
            t.setUncaughtExceptionHandler((th, ex) -> failure.compareAndSet(null, ex));
            drivers[i] = t;
        }
        for (Thread t : drivers) {
            t.start();
        }
        return drivers;
    }

    /** A driver thread: {@code batch} events, then wait for the next slot of the schedule. */
    private static void pacedLoop(Driver d, int batch, long nsPerBatch, AtomicBoolean running) {
        long next = System.nanoTime();
        while (running.get()) {
            d.step(batch);
            next += nsPerBatch;
            long behind = System.nanoTime() - next;
            if (behind > TimeUnit.SECONDS.toNanos(1)) {
                next += behind; // far behind: drop the backlog rather than burst
            }
            parkUntil(next);
        }
    }

    /** Parks until {@link System#nanoTime()} reaches {@code deadline}. */
    private static void parkUntil(long deadline) {
        for (;;) {
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
                return;
            }
            LockSupport.parkNanos(wait);
        }
    }

    private static void joinAll(Thread[] threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
