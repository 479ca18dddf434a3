package org.kcallout.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.kcallout.bench.peers.Expiry;
import org.kcallout.bench.peers.Peers;
import org.kcallout.bench.peers.TimerPeer;

/**
 * Workload 4: retained heap per pending timer with 1 000 000 pending, everything included (the
 * timer object the user keeps, whatever the library allocates per timer, and its fixed structures
 * amortised), and the process CPU spent while they wait.
 *
 * <p>Each peer runs in its own child JVM ({@link #CHILD_JVM}: the serial collector, compacting
 * fully), and so does a {@code none} baseline with no timer library at all (its idle CPU is the
 * JVM's own). In the child: the holder array and the delays are allocated first; used heap is read
 * after full GCs ({@code System.gc()} until {@link MemoryMXBean} reports the same figure twice; a
 * fully compacting serial GC leaves exactly the live objects); then the peer is created and the
 * timers are armed 1-2 hours ahead, in two halves; after each half and {@code -settle} seconds
 * (Netty moves at most 100 000 queued timeouts into its wheel per tick) used heap is read the same
 * way.
 * <ul>
 *   <li>bytes per timer = (after all - before) / n: everything included, fixed structures
 *       amortised;</li>
 *   <li>{@code marginal} = (after all - after the first half) / (n / 2): the cost of one more timer,
 *       fixed structures cancelled out (for structures that grow by doubling, such as Agrona's
 *       arrays, it depends on where the doublings fall).</li>
 * </ul>
 *
 * <p>Then the process's CPU time over {@code -idle} seconds of wall time, as a percentage of one
 * core: summed from Linux's per-thread {@code schedstat} (nanoseconds; see
 * {@link #schedstatNanos()}), with {@link OperatingSystemMXBean#getProcessCpuTime()} (10 ms ticks) as
 * the fallback and as the secondary figure {@code osBean}. Owner-polled peers (Agrona, the unlocked
 * floor) are polled about every millisecond by the main thread during settle and idle, as a duty
 * cycle with a sleeping idle strategy would.
 *
 * <p>Why not JOL: the heap delta already counts every byte the library keeps, including structures
 * not reachable from the timer objects (Netty's queues and wheel, Agrona's id map, Kafka's delay
 * queue), and needs no agent; with 1 000 000 timers its noise (a few KB) is below 0.01 B per timer.
 * JOL would add an exact per-object layout, which the Javadoc of each adapter gives in words.
 *
 * <p>Run:
 * <pre>
 * java -cp callout-bench/target/benchmarks.jar org.kcallout.bench.RetainedMemory \
 *     -n 1000000 -settle 2 -idle 5 -o callout-bench/results/memory.json
 * </pre>
 */
public final class RetainedMemory {
    private static final String USAGE = "usage: RetainedMemory [-n 1000000] [-settle 2] [-idle 5]"
            + " [-peers none," + String.join(",", Peers.ALL) + "] [-o results/memory.json]";
    static final String NONE = "none";
    /**
     * The serial collector's full GC leaves up to {@code MarkSweepDeadRatio} (5 %) of the old
     * generation as uncompacted dead objects, which showed up as tens of MB of phantom "retained"
     * heap; 0 and compacting on every full GC make used-after-GC exactly the live objects.
     */
    // Every child runs under this collector whatever run-quick.sh's JVM_OPTS say: retained bytes
    // are a property of the objects, and only the serial collector's compaction counts them exactly.
    static final List<String> CHILD_JVM = List.of("-XX:+UseSerialGC", "-XX:MarkSweepDeadRatio=0",
            "-XX:MarkSweepAlwaysCompactCount=1", "-Xms2g", "-Xmx2g");

    private RetainedMemory() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length > 0 && argv[0].equals("--child")) {
            child(argv[1], Integer.parseInt(argv[2]), Integer.parseInt(argv[3]), Integer.parseInt(argv[4]));
            return;
        }
        Args a = new Args(argv, Map.of("n", "1000000", "settle", "2", "idle", "5",
                "peers", NONE + "," + String.join(",", Peers.available()), "o", "callout-bench/results/memory.json"), USAGE);
        int n = a.integer("n");
        ResultJson json = new ResultJson();
        System.out.printf(Locale.ROOT, "%-16s %14s %14s %12s%n", "peer", "bytes/timer", "marginal", "idle CPU %");
        for (String peer : a.list("peers")) {
            List<String[]> r = Child.run(RetainedMemory.class, CHILD_JVM,
                    List.of("--child", peer, String.valueOf(n), a.str("settle"), a.str("idle")), false);
            if (r.size() != 1) {
                throw new IllegalStateException("child for " + peer + " printed " + r.size() + " results");
            }
            double bytes = Double.parseDouble(r.get(0)[0]);
            double cpu = Double.parseDouble(r.get(0)[1]);
            double bean = Double.parseDouble(r.get(0)[2]);
            double marginal = Double.parseDouble(r.get(0)[3]);
            System.out.printf(Locale.ROOT, "%-16s %14.2f %14.2f %12.3f%n", peer, bytes, marginal, cpu);
            json.add(new ResultJson.Entry(RetainedMemory.class.getName() + ".bytesPerTimer", "ss")
                    .param("peer", peer).param("pending", n).score(bytes, "B/timer")
                    .secondary("marginal", marginal, "B/timer"));
            json.add(new ResultJson.Entry(RetainedMemory.class.getName() + ".idleCpu", "ss")
                    .param("peer", peer).param("pending", n).param("idleSeconds", a.str("idle"))
                    .score(cpu, "% of a core").secondary("osBean", bean, "% of a core"));
        }
        json.write(Path.of(a.str("o")));
        System.out.println("wrote " + a.str("o"));
    }

    private static void child(String peer, int n, int settleSeconds, int idleSeconds) {
        Object[] slots = new Object[n];
        long[] delays = new long[n];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            delays[i] = ArmCancelBenchmark.HOUR + r.nextLong(ArmCancelBenchmark.HOUR);
        }
        long before = usedAfterGc();
        TimerPeer<Object> p = peer.equals(NONE) ? null : Peers.create(peer, Expiry.IGNORE, false);
        int half = n / 2;
        arm(p, slots, delays, 0, half);
        Child.idle(p, TimeUnit.SECONDS.toNanos(settleSeconds));
        long mid = usedAfterGc();
        arm(p, slots, delays, half, n);
        Child.idle(p, TimeUnit.SECONDS.toNanos(settleSeconds));
        long after = usedAfterGc();
        double bytesPerTimer = (after - before) / (double) n;
        double marginal = (after - mid) / (double) (n - half);

        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long sched0 = schedstatNanos();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Child.idle(p, TimeUnit.SECONDS.toNanos(idleSeconds));
        long cpu1 = os.getProcessCpuTime();
        long sched1 = schedstatNanos();
        long t1 = System.nanoTime();
        double beanPercent = 100.0 * (cpu1 - cpu0) / (t1 - t0);
        double cpuPercent = sched0 < 0 || sched1 < 0 ? beanPercent : 100.0 * (sched1 - sched0) / (t1 - t0);
        Reference.reachabilityFence(slots);
        Reference.reachabilityFence(delays);
        if (p != null) {
            p.close();
        }
        System.out.printf(Locale.ROOT, "RESULT %.3f %.4f %.4f %.3f%n", bytesPerTimer, cpuPercent, beanPercent, marginal);
    }

    private static void arm(TimerPeer<Object> p, Object[] slots, long[] delays, int from, int to) {
        if (p == null) {
            return;
        }
        for (int i = from; i < to; i++) {
            slots[i] = p.newTimer();
            p.arm(slots[i], delays[i]);
        }
    }

    /**
     * CPU time of every thread of this process (Java, GC, JIT and the libraries' own), in
     * nanoseconds, from Linux's {@code /proc/self/task/<tid>/schedstat}; -1 where that is missing.
     * {@link OperatingSystemMXBean#getProcessCpuTime()} reads the same total in clock ticks (10 ms on
     * this kernel), which over a few seconds quantises the result to steps of 0.2-1 % of a core:
     * too coarse for a 1 % target. Threads that exit during the window are not counted.
     */
    static long schedstatNanos() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        long sum = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
            for (Path t : ds) {
                try {
                    String s = Files.readString(t.resolve("schedstat"));
                    sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                } catch (IOException | RuntimeException e) {
                    // The thread exited between the listing and the read: it no longer runs.
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    /** Used heap after full collections, once two readings agree (or after ten). */
    static long usedAfterGc() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        long prev = -1;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long used = m.getHeapMemoryUsage().getUsed();
            if (used == prev) {
                return used;
            }
            prev = used;
        }
        return prev;
    }
}
