package org.kcallout.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.kcallout.Callout;
import org.kcallout.CalloutFunc;
import org.kcallout.Sbt;
import org.kcallout.wheel.CalloutWheel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Workload 6 (kcallout only): {@code callout_reset_sbt} + {@code callout_stop} from two threads at
 * once, on the real-time driver, delays 1-10 s (nothing fires).
 * <ul>
 *   <li>{@code own}: each of 2 threads resets and stops its own callout. With {@code ncpus=1} both
 *       callouts live on CPU 0 and the threads contend for its lock; with {@code ncpus=2} thread
 *       {@code i} keeps its callout on CPU {@code i} and they should not contend at all.</li>
 *   <li>{@code shared}: one thread resets and one stops the same callout (JMH group); the score is
 *       the group's, and each method's own figure is a secondary result.</li>
 * </ul>
 *
 * <p>Run (full):
 * <pre>
 * java -jar callout-bench/target/benchmarks.jar 'ContendedBenchmark' -prof gc \
 *     -rf json -rff callout-bench/results/contended.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ContendedBenchmark {
    static final CalloutFunc<Callout> NOP = c -> {
    };
    static final int DELAYS = 1024;

    /** The engine, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Sys {
        @Param({"1", "2"})
        public int ncpus;

        CalloutWheel sys;

        @Setup(Level.Trial)
        public void setUp() {
            sys = CalloutWheel.builder().ncpus(ncpus).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            sys.close();
        }
    }

    /** Per-thread delays (pre-drawn, in sbintime) and, for {@code own}, the thread's callout. */
    @State(Scope.Thread)
    public static class Mine {
        Callout c;
        int cpu;
        long[] delays;
        int next;

        @Setup(Level.Trial)
        public void setUp(Sys s, ThreadParams tp) {
            c = new Callout();
            s.sys.init(c, true);
            cpu = tp.getThreadIndex() % s.ncpus;
            SplittableRandom r = new SplittableRandom(42 + tp.getThreadIndex());
            delays = new long[DELAYS];
            for (int i = 0; i < DELAYS; i++) {
                delays[i] = Sbt.SBT_1S + r.nextLong(9 * Sbt.SBT_1S);
            }
        }

        long nextDelay() {
            return delays[next++ & (DELAYS - 1)];
        }
    }

    /** The callout both threads of a {@code shared} group work on. */
    @State(Scope.Group)
    public static class Shared {
        Callout c;

        @Setup(Level.Trial)
        public void setUp(Sys s) {
            c = new Callout();
            s.sys.init(c, true);
        }
    }

    @Benchmark
    @Threads(2)
    public int own(Sys s, Mine m) {
        s.sys.resetSbtOn(m.c, m.nextDelay(), 0, NOP, m.c, m.cpu, 0);
        return s.sys.stop(m.c);
    }

    @Benchmark
    @Group("shared")
    @GroupThreads(1)
    public int sharedReset(Sys s, Shared sh, Mine m) {
        return s.sys.resetSbt(sh.c, m.nextDelay(), 0, NOP, sh.c, 0);
    }

    @Benchmark
    @Group("shared")
    @GroupThreads(1)
    public int sharedStop(Sys s, Shared sh) {
        return s.sys.stop(sh.c);
    }
}
