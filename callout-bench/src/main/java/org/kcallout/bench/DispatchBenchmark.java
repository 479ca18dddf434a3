package org.kcallout.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.kcallout.Callout;
import org.kcallout.CalloutFlags;
import org.kcallout.CalloutFunc;
import org.kcallout.KMutex;
import org.kcallout.Sbt;
import org.kcallout.wheel.CalloutWheel;
import org.kcallout.wheel.clock.VirtualTicklessClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's own cost of expiring a callout, without threads: arm {@code callouts} callouts with
 * random delays in [0, 100 ms) and advance a virtual clock past them, so that the scan and the
 * softclock dispatcher run every handler on this thread. The score is per round; divide by
 * {@code callouts} for the cost per callout (arm, scan, dispatch, handler), with no lock hand-off
 * between threads and no clock wake-up, which is what
 * {@link ExpiryBenchmark} adds; a change to the dispatch path shows here without that benchmark's
 * noise. {@code lock=mutex} associates a {@link KMutex} with each callout ({@code callout_init_mtx}),
 * so the dispatcher takes and releases it around the handler.
 *
 * <p>Run:
 * <pre>
 * java -jar callout-bench/target/benchmarks.jar 'DispatchBenchmark' -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DispatchBenchmark {
    static final long WINDOW = 100 * Sbt.SBT_1MS;

    static final CalloutFunc<long[]> FIRE = a -> a[0]++;

    @Param({"none", "mutex"})
    public String lock;

    /** Callouts per round: 10 000 fit in the processor's caches, 100 000 do not. */
    @Param({"10000", "100000"})
    public int callouts;

    private VirtualTicklessClock vt;
    private CalloutWheel sys;
    private Callout[] timers;
    private long[] delays;
    private final long[] fired = new long[1];

    @Setup(Level.Trial)
    public void setUp() {
        vt = new VirtualTicklessClock();
        sys = CalloutWheel.builder().ncpus(1).clock(vt).build();
        timers = new Callout[callouts];
        delays = new long[callouts];
        SplittableRandom r = new SplittableRandom(42);
        KMutex[] mutexes = new KMutex[64];
        for (int i = 0; i < mutexes.length; i++) {
            mutexes[i] = new KMutex("m" + i);
        }
        for (int i = 0; i < callouts; i++) {
            timers[i] = new Callout();
            if (lock.equals("mutex")) {
                sys.initLock(timers[i], mutexes[i % mutexes.length], 0);
            } else {
                sys.init(timers[i], true);
            }
            delays[i] = r.nextLong(WINDOW);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sys.close();
    }

    /** @return the handler count, so that nothing is dead code */
    @Benchmark
    public long armAndExpire() {
        for (int i = 0; i < callouts; i++) {
            Callout c = timers[i];
            KMutex m = (KMutex) c.lock();
            if (m != null) {
                m.lock(); // a lock-associated callout is armed under its lock
                sys.resetSbt(c, delays[i], 0, FIRE, fired, CalloutFlags.C_PREL(4));
                m.unlock();
            } else {
                sys.resetSbt(c, delays[i], 0, FIRE, fired, CalloutFlags.C_PREL(4));
            }
        }
        vt.advance(2 * WINDOW);
        return fired[0];
    }
}
