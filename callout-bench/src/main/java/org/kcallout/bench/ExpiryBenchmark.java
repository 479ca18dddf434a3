package org.kcallout.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 * Workload 3, expiry throughput: arm {@code timers} timers (1 000 000) with random delays in
 * [0, 100 ms), then wait until the last one has fired. One invocation is one such round; the score is
 * its wall time (JMH's {@code SingleShotTime} measures wall-clock time, not CPU time) from the first
 * arm to the moment the benchmark thread sees the last firing, so at least 100 ms plus whatever the
 * timer adds: arming, dispatch, tick granularity (up to a tick for Netty, Kafka and the locked
 * floor; kcallout uses its default 5 % precision).
 *
 * <p>kcallout runs on its real-time driver (event thread + softclock thread). Thread-driven peers fire
 * on their own threads while this thread parks; the owner-polled ones (Agrona, the unlocked floor)
 * are polled in a spin loop by this thread, as their duty cycle would. The timer objects are created
 * once per trial and re-armed each round.
 *
 * <p>Run (full):
 * <pre>
 * java -jar callout-bench/target/benchmarks.jar 'ExpiryBenchmark' -prof gc \
 *     -rf json -rff callout-bench/results/expiry.json
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@Warmup(iterations = 3)
@Measurement(iterations = 10)
public class ExpiryBenchmark {
    static final long WINDOW_NANOS = 100_000_000L;

    @Param({Peers.KCALLOUT, Peers.NETTY_100MS, Peers.NETTY_1MS, Peers.AGRONA, Peers.STPE, Peers.STPE_ROC, Peers.KAFKA,
            Peers.FLOOR_LOCKED, Peers.FLOOR_LOCKED_56, Peers.FLOOR_UNLOCKED})
    public String peer;

    @Param({"1000000"})
    public int timers;

    private TimerPeer<Object> p;
    private Object[] slots;
    private long[] delays;
    private final AtomicLong fired = new AtomicLong();
    private volatile long target;
    private volatile Thread waiter;

    @Setup(Level.Trial)
    public void setUp() {
        Expiry onExpiry = timer -> {
            if (fired.incrementAndGet() == target) {
                LockSupport.unpark(waiter);
            }
        };
        p = Peers.create(peer, onExpiry, false);
        slots = new Object[timers];
        delays = new long[timers];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < timers; i++) {
            slots[i] = p.newTimer();
            delays[i] = r.nextLong(WINDOW_NANOS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        p.close();
    }

    @Benchmark
    public long expireAll() {
        long goal = fired.get() + timers;
        target = goal;
        waiter = Thread.currentThread();
        TimerPeer<Object> peer = p;
        Object[] s = slots;
        long[] d = delays;
        for (int i = 0; i < s.length; i++) {
            peer.arm(s[i], d[i]);
        }
        if (peer.ownerPolled()) {
            while (fired.get() - goal < 0) {
                if (peer.poll() == 0) {
                    Thread.onSpinWait();
                }
            }
        } else {
            while (fired.get() - goal < 0) {
                LockSupport.park(this);
            }
        }
        return fired.get();
    }
}
