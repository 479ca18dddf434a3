package org.kcallout.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.kcallout.bench.peers.Expiry;
import org.kcallout.bench.peers.Peers;
import org.kcallout.bench.peers.TimerPeer;
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
 * Workload 2: re-arm the same pending timer over and over (an idle timeout pushed back on every
 * packet), with a fixed 5 s delay or a random 1-10 s delay from a pre-drawn table. Each peer uses
 * its own re-arm: kcallout's {@code callout_reset} and the floors move the node; the others cancel
 * and arm (Kafka re-adds the same task for the same delay, a new task otherwise).
 *
 * <p>Run (full):
 * <pre>
 * java -jar callout-bench/target/benchmarks.jar 'RearmBenchmark' -prof gc \
 *     -rf json -rff callout-bench/results/rearm.json
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RearmBenchmark {
    static final int DELAYS = 1024;

    @Param({Peers.KCALLOUT, Peers.NETTY_100MS, Peers.NETTY_1MS, Peers.AGRONA, Peers.STPE, Peers.STPE_ROC, Peers.KAFKA,
            Peers.FLOOR_LOCKED, Peers.FLOOR_LOCKED_56, Peers.FLOOR_UNLOCKED})
    public String peer;

    @Param({"fixed", "random"})
    public String delay;

    private TimerPeer<Object> p;
    private Object timer;
    private long[] delays;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        p = Peers.create(peer, Expiry.IGNORE, false);
        SplittableRandom r = new SplittableRandom(42);
        delays = new long[DELAYS];
        for (int i = 0; i < DELAYS; i++) {
            switch (delay) {
                case "fixed":
                    delays[i] = 5 * ArmCancelBenchmark.SECOND;
                    break;
                case "random":
                    delays[i] = ArmCancelBenchmark.SECOND + r.nextLong(9 * ArmCancelBenchmark.SECOND);
                    break;
                default:
                    throw new IllegalArgumentException("delay must be fixed or random, got " + delay);
            }
        }
        timer = p.newTimer();
        p.arm(timer, delays[0]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        p.close();
    }

    @Benchmark
    public void rearm() {
        p.arm(timer, delays[next++ & (DELAYS - 1)]);
    }
}
