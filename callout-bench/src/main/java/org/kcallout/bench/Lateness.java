package org.kcallout.bench;

import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.kcallout.bench.peers.Expiry;
import org.kcallout.bench.peers.Peers;
import org.kcallout.bench.peers.TimerPeer;

/**
 * Workload 5: how late timers armed 10 ms ahead fire, p50/p90/p99/max, on each peer's real-time
 * driver. Lateness = the handler's {@link System#nanoTime()} minus (the time just before the arm +
 * 10 ms); firings before the deadline (Kafka rounds its clock to milliseconds) are counted as
 * {@code early} and left out of the histogram (HdrHistogram, 3 significant digits).
 *
 * <p>kcallout arms with precision 0: {@code callout_reset_sbt(c, 10 ms, 0, f, c, C_PREL(63))}, so the
 * relative precision {@code sbt >> 63} is 0 and {@code max(0, pr = 0)} is 0 (SPEC §4.3); 10 ms is
 * under the 16 ms tick threshold, so the time is measured from the precise uptime. The other peers
 * have no precision to set and fire at their tick.
 *
 * <p>Two arming patterns, each {@code -n} (1000) timers per round, {@code -warmup} rounds discarded,
 * then {@code -rounds} rounds recorded:
 * <ul>
 *   <li>{@code burst}: all armed back to back (a few hundred microseconds), so they fall due together
 *       and the dispatch of the whole batch shows in the tail;</li>
 *   <li>{@code spaced}: one armed every {@code -spacing-us} (1000 µs), so about ten are pending at a
 *       time and each deadline needs its own wake-up: this measures the driver's wake-up accuracy.</li>
 * </ul>
 * Each peer and pattern runs in a fresh child JVM (default collector, {@code -Xmx1g}). Owner-polled
 * peers (Agrona, the unlocked floor) are polled in a spin loop by the arming thread, which costs them
 * a whole core.
 *
 * <p>Run:
 * <pre>
 * java -cp callout-bench/target/benchmarks.jar org.kcallout.bench.Lateness \
 *     -rounds 20 -o callout-bench/results/lateness.json
 * </pre>
 */
public final class Lateness {
    private static final String USAGE = "usage: Lateness [-n 1000] [-warmup 3] [-rounds 5] [-spacing-us 1000]"
            + " [-arming burst,spaced] [-peers " + String.join(",", Peers.ALL) + "] [-o results/lateness.json]";
    static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Lateness() {
    }

    public static void main(String[] argv) {
        if (argv.length > 0 && argv[0].equals("--child")) {
            child(argv[1], argv[2], Integer.parseInt(argv[3]), Integer.parseInt(argv[4]), Integer.parseInt(argv[5]),
                    Integer.parseInt(argv[6]));
            return;
        }
        Args a = new Args(argv, Map.of("n", "1000", "warmup", "3", "rounds", "5", "spacing-us", "1000",
                "arming", "burst,spaced", "peers", String.join(",", Peers.available()),
                "o", "callout-bench/results/lateness.json"), USAGE);
        ResultJson json = new ResultJson();
        System.out.printf(Locale.ROOT, "%-8s %-16s %10s %10s %10s %10s %7s  (ms)%n",
                "arming", "peer", "p50", "p90", "p99", "max", "early");
        for (String arming : a.list("arming")) {
            for (String peer : a.list("peers")) {
                List<String[]> r = Child.run(Lateness.class, List.of("-Xms256m", "-Xmx1g"),
                        List.of("--child", peer, arming, a.str("n"), a.str("warmup"), a.str("rounds"), a.str("spacing-us")));
                if (r.size() != 1) {
                    throw new IllegalStateException("child for " + peer + " printed " + r.size() + " results");
                }
                String[] f = r.get(0);
                double p50 = ms(f[0]);
                double p90 = ms(f[1]);
                double p99 = ms(f[2]);
                double max = ms(f[3]);
                long early = Long.parseLong(f[4]);
                long count = Long.parseLong(f[5]);
                System.out.printf(Locale.ROOT, "%-8s %-16s %10.4f %10.4f %10.4f %10.4f %7d%n",
                        arming, peer, p50, p90, p99, max, early);
                json.add(new ResultJson.Entry(Lateness.class.getName() + "." + arming, "sample")
                        .param("peer", peer).param("timers", a.str("n")).param("delay", "10ms")
                        .score(p50, "ms")
                        .percentile("50.0", p50).percentile("90.0", p90).percentile("99.0", p99)
                        .percentile("100.0", max)
                        .secondary("early", early, "#").secondary("samples", count, "#"));
            }
        }
        json.write(Path.of(a.str("o")));
        System.out.println("wrote " + a.str("o"));
    }

    private static double ms(String nanos) {
        return Long.parseLong(nanos) / 1e6;
    }

    private static void child(String peer, String arming, int n, int warmup, int rounds, int spacingMicros) {
        long[] armedAt = new long[n];
        Object[] firedTimer = new Object[n];
        long[] firedAt = new long[n];
        AtomicInteger fired = new AtomicInteger();
        Thread main = Thread.currentThread();
        // The handler only stamps and appends; the timer-to-index lookup happens after the round.
        Expiry onExpiry = timer -> {
            long now = System.nanoTime();
            int k = fired.getAndIncrement();
            if (k < n) {
                firedTimer[k] = timer;
                firedAt[k] = now;
            }
            if (k + 1 == n) {
                LockSupport.unpark(main);
            }
        };
        TimerPeer<Object> p = Peers.create(peer, onExpiry, true);
        Object[] slots = new Object[n];
        IdentityHashMap<Object, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            slots[i] = p.newTimer();
            index.put(slots[i], i);
        }
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long early = 0;
        long spacing = TimeUnit.MICROSECONDS.toNanos(spacingMicros);
        for (int round = 0; round < warmup + rounds; round++) {
            fired.set(0);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (arming.equals("spaced")) {
                    waitUntil(p, start + i * spacing);
                } else if (!arming.equals("burst")) {
                    throw new IllegalArgumentException("arming must be burst or spaced, got " + arming);
                }
                armedAt[i] = System.nanoTime();
                p.arm(slots[i], DELAY_NANOS);
            }
            while (fired.get() < n) {
                if (p.ownerPolled()) {
                    if (p.poll() == 0) {
                        Thread.onSpinWait();
                    }
                } else {
                    LockSupport.parkNanos(10_000_000L);
                }
            }
            if (round >= warmup) {
                for (int k = 0; k < n; k++) {
                    int i = index.get(firedTimer[k]);
                    long late = firedAt[k] - (armedAt[i] + DELAY_NANOS);
                    if (late < 0) {
                        early++;
                    } else {
                        h.recordValue(Math.min(late, h.getHighestTrackableValue()));
                    }
                }
            }
            LockSupport.parkNanos(20_000_000L); // let the drivers go back to sleep between rounds
        }
        p.close();
        System.out.printf(Locale.ROOT, "RESULT %d %d %d %d %d %d%n", h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                h.getValueAtPercentile(99), h.getMaxValue(), early, h.getTotalCount());
    }

    /** Parks (or, for an owner-polled peer, polls in a spin) until {@code deadline}. */
    private static void waitUntil(TimerPeer<Object> p, long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            if (p.ownerPolled()) {
                p.poll();
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(left);
            }
        }
    }
}
