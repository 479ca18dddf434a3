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
 * Workload 1, the retransmit-timer pattern: arm one timer 1-10 s ahead (a random delay from a
 * pre-drawn table), then cancel it, while {@code pending} other timers wait ahead: 1-2 hours
 * ({@code spread=hours}) or 60-600 s ({@code spread=minutes}, so that they share the wheel's
 * buckets with the armed one); none fires during the run. Time per arm+cancel pair; allocation per
 * pair with {@code -prof gc}.
 *
 * <p>Run (full):
 * <pre>
 * java -jar callout-bench/target/benchmarks.jar 'ArmCancelBenchmark' -prof gc \
 *     -rf json -rff callout-bench/results/armcancel.json
 * </pre>
 * One peer or pending level: add {@code -p peer=kcallout,floor-locked -p pending=1000000}.
 *
 * <p>Pitfalls the figures show rather than hide: {@code stpe} (no remove-on-cancel) keeps every
 * cancelled task for its 1-10 s, so its heap grows by millions of tasks per second; Netty's worker
 * takes at most 100 000 new timeouts per tick from its queue, so with a 100 ms tick arms that outrun
 * 1 M/s pile up there until cancelled ones are skipped.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArmCancelBenchmark {
    static final long SECOND = 1_000_000_000L;
    static final long HOUR = 3600 * SECOND;
    static final int DELAYS = 1024;

    @Param({Peers.KCALLOUT, Peers.NETTY_100MS, Peers.NETTY_1MS, Peers.AGRONA, Peers.STPE, Peers.STPE_ROC, Peers.KAFKA,
            Peers.FLOOR_LOCKED, Peers.FLOOR_LOCKED_56, Peers.FLOOR_UNLOCKED})
    public String peer;

    @Param({"0", "10000", "1000000"})
    public int pending;

    /** How far ahead the pending timers wait: {@code hours} (1-2 h) or {@code minutes} (60-600 s). */
    @Param({"hours", "minutes"})
    public String spread;

    private TimerPeer<Object> p;
    private Object[] others;
    private Object timer;
    private long[] delays;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        p = Peers.create(peer, Expiry.IGNORE, false);
        SplittableRandom r = new SplittableRandom(42);
        others = new Object[pending];
        boolean minutes = switch (spread) {
            case "hours" -> false;
            case "minutes" -> true;
            default -> throw new IllegalArgumentException("spread must be hours or minutes, got " + spread);
        };
        for (int i = 0; i < pending; i++) {
            others[i] = p.newTimer();
            p.arm(others[i], minutes ? 60 * SECOND + r.nextLong(540 * SECOND) : HOUR + r.nextLong(HOUR));
        }
        timer = p.newTimer();
        delays = new long[DELAYS];
        for (int i = 0; i < DELAYS; i++) {
            delays[i] = SECOND + r.nextLong(9 * SECOND);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        p.close();
    }

    @Benchmark
    public void armCancel() {
        p.arm(timer, delays[next++ & (DELAYS - 1)]);
        p.cancel(timer);
    }
}
