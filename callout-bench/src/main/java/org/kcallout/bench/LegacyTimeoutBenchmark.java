package org.kcallout.bench;

import java.util.concurrent.TimeUnit;
import org.kcallout.CalloutFunc;
import org.kcallout.legacy.CalloutHandle;
import org.kcallout.legacy.TimeoutPool;
import org.kcallout.wheel.CalloutWheel;
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
 * Workload 6, legacy half (kcallout only): {@code timeout(9)} + {@code untimeout(9)} on the
 * preallocated pool of {@code callout-legacy}, on the real-time driver, 1-10 s ahead (nothing fires).
 * {@code handle=returned} is the C form, which returns a new handle per {@code timeout} (the struct
 * returned by value); {@code handle=reused} fills in a handle the caller keeps, which allocates
 * nothing. Compare with {@link ArmCancelBenchmark}'s {@code kcallout} row for the cost of the pool
 * on top of {@code callout_reset}/{@code callout_stop}.
 *
 * <p>Run (full):
 * <pre>
 * java -jar callout-bench/target/benchmarks.jar 'LegacyTimeoutBenchmark' -prof gc \
 *     -rf json -rff callout-bench/results/legacy.json
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LegacyTimeoutBenchmark {
    static final CalloutFunc<Object> NOP = a -> {
    };
    static final int DELAYS = 1024;

    @Param({"returned", "reused"})
    public String handle;

    private CalloutWheel sys;
    private TimeoutPool pool;
    private final Object arg = new Object();
    private final CalloutHandle kept = new CalloutHandle();
    private int[] ticks;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        sys = CalloutWheel.builder().build();
        pool = TimeoutPool.builder(sys).ncallout(1024).build();
        ticks = new int[DELAYS];
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        for (int i = 0; i < DELAYS; i++) {
            ticks[i] = sys.hz() + r.nextInt(9 * sys.hz()); // 1-10 s
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sys.close();
    }

    @Benchmark
    public boolean timeoutUntimeout() {
        int t = ticks[next++ & (DELAYS - 1)];
        if (handle.equals("reused")) {
            pool.timeout(NOP, arg, t, kept);
            return pool.untimeout(NOP, arg, kept);
        }
        CalloutHandle h = pool.timeout(NOP, arg, t);
        return pool.untimeout(NOP, arg, h);
    }
}
