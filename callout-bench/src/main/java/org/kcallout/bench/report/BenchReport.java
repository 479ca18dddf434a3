package org.kcallout.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.kcallout.bench.peers.Peers;

/**
 * Turns JMH JSON result files (and the JMH-shaped JSON of {@code RetainedMemory} and
 * {@code Lateness}) into a Markdown report with kcallout's ratio to each peer and floor, and a PNG
 * bar chart (Java2D, see the package comment for why not matplotlib).
 *
 * <p>Every figure the suite produces is "lower is better" (ns/op, ms, bytes, % CPU, lateness), so
 * the ratio is always <b>kcallout ÷ peer</b>: below 1 kcallout is better, 0.5 means half the cost.
 *
 * <p>Run:
 * <pre>
 * java -cp callout-bench/target/benchmarks.jar org.kcallout.bench.report.BenchReport \
 *     -md callout-bench/results/report.md -png callout-bench/results/report.png callout-bench/results/*.json
 * </pre>
 * Without {@code -md} the Markdown goes to standard output; a directory argument means its
 * {@code *.json} files.
 */
public final class BenchReport {
    /** Workload order of the report, by the simple name of the benchmark class. */
    static final List<String> WORKLOADS = List.of("ArmCancelBenchmark", "RearmBenchmark", "ExpiryBenchmark",
            "RetainedMemory", "Lateness", "ContendedBenchmark");
    static final Map<String, String> TITLES = Map.of(
            "ArmCancelBenchmark", "1. arm + cancel (1-10 s ahead)",
            "RearmBenchmark", "2. re-arm the same timer",
            "ExpiryBenchmark", "3. expiry throughput: 1 000 000 timers due within 100 ms, first arm to last fire"
                    + " (alloc B/op is per round of 1 000 000 timers)",
            "RetainedMemory", "4. retained memory and idle CPU with 1 000 000 pending",
            "Lateness", "5. lateness of timers armed 10 ms ahead, precision 0, real-time drivers",
            "ContendedBenchmark", "6. kcallout only: reset + stop from 2 threads");
    static final List<String> PERCENTILES = List.of("50.0", "90.0", "99.0", "100.0");
    /** RetainedMemory's run with no timer library: shown for reference, never a ratio. */
    static final String BASELINE = "none";

    private BenchReport() {
    }

    /** One row of a result file. */
    static final class Result {
        String file;
        String clazz;
        String method;
        String mode;
        Map<String, String> params = new LinkedHashMap<>();
        String peer;
        double score;
        double error = Double.NaN;
        String unit;
        Map<String, Double> percentiles = new LinkedHashMap<>();
        Double allocNorm;
        Map<String, double[]> secondary = new LinkedHashMap<>();
        Map<String, String> secondaryUnit = new LinkedHashMap<>();
        Map<String, Object> raw;

        String groupKey() {
            StringBuilder b = new StringBuilder(clazz).append('.').append(method);
            params.forEach((k, v) -> {
                if (!k.equals("peer")) {
                    b.append(' ').append(k).append('=').append(v);
                }
            });
            return b.toString();
        }
    }

    /** A comparable figure: one group and one statistic (the score, or a percentile). */
    static final class Metric {
        final String workload;
        final String label;
        final String unit;
        final Map<String, Double> byPeer = new LinkedHashMap<>();
        /** True for a chart panel of kcallout-only variants (keys are variants, not peers). */
        boolean solo;

        Metric(String workload, String label, String unit) {
            this.workload = workload;
            this.label = label;
            this.unit = unit;
        }
    }

    public static void main(String[] argv) throws IOException {
        String md = null;
        String png = null;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "-md":
                    md = argv[++i];
                    break;
                case "-png":
                    png = argv[++i];
                    break;
                case "-h":
                case "--help":
                    System.out.println("usage: BenchReport [-md report.md] [-png report.png] result.json|dir ...");
                    return;
                default:
                    Path p = Path.of(argv[i]);
                    if (Files.isDirectory(p)) {
                        try (Stream<Path> s = Files.list(p)) {
                            s.filter(f -> f.toString().endsWith(".json")).sorted().forEach(files::add);
                        }
                    } else {
                        files.add(p);
                    }
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no result files given; usage: BenchReport [-md f] [-png f] files|dir");
        }
        List<Result> results = new ArrayList<>();
        for (Path f : files) {
            results.addAll(read(f));
        }
        results.sort(Comparator.comparingInt((Result r) -> workloadIndex(r.clazz)));
        Map<String, List<Result>> groups = new LinkedHashMap<>();
        for (Result r : results) {
            groups.computeIfAbsent(r.groupKey(), k -> new ArrayList<>()).add(r);
        }
        List<Metric> metrics = metrics(groups);
        String text = markdown(files, results, groups, metrics, png);
        if (md == null) {
            System.out.print(text);
        } else {
            write(Path.of(md), text);
            System.out.println("wrote " + md);
        }
        if (png != null) {
            Chart.write(metrics, Path.of(png));
            System.out.println("wrote " + png);
        }
    }

    /** Peers in {@link Peers#ALL} order, then anything else, the JVM-alone baseline last. */
    static int peerOrder(String peer) {
        int i = Peers.ALL.indexOf(peer);
        return i >= 0 ? i : peer.equals(BASELINE) ? Integer.MAX_VALUE : Peers.ALL.size();
    }

    static int workloadIndex(String clazz) {
        int i = WORKLOADS.indexOf(clazz);
        return i < 0 ? WORKLOADS.size() : i;
    }

    @SuppressWarnings("unchecked")
    static List<Result> read(Path f) {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Result> out = new ArrayList<>();
        if (text.isBlank()) {
            return out;
        }
        for (Object o : (List<Object>) Json.parse(text)) {
            Map<String, Object> m = (Map<String, Object>) o;
            Result r = new Result();
            r.raw = m;
            r.file = f.getFileName().toString();
            String bench = (String) m.get("benchmark");
            int dot = bench.lastIndexOf('.');
            String cls = bench.substring(0, dot);
            r.clazz = cls.substring(cls.lastIndexOf('.') + 1);
            r.method = bench.substring(dot + 1);
            r.mode = (String) m.get("mode");
            Map<String, Object> params = (Map<String, Object>) m.get("params");
            if (params != null) {
                params.forEach((k, v) -> r.params.put(k, String.valueOf(v)));
            }
            r.peer = r.params.getOrDefault("peer", Peers.KCALLOUT);
            Map<String, Object> pm = (Map<String, Object>) m.get("primaryMetric");
            r.score = num(pm.get("score"));
            r.error = num(pm.get("scoreError"));
            r.unit = (String) pm.get("scoreUnit");
            Map<String, Object> pct = (Map<String, Object>) pm.get("scorePercentiles");
            if (pct != null && "sample".equals(r.mode)) {
                for (String p : PERCENTILES) {
                    if (pct.containsKey(p)) {
                        r.percentiles.put(p, num(pct.get(p)));
                    }
                }
            }
            Map<String, Object> sec = (Map<String, Object>) m.get("secondaryMetrics");
            if (sec != null) {
                sec.forEach((k, v) -> {
                    Map<String, Object> sm = (Map<String, Object>) v;
                    if (k.endsWith("gc.alloc.rate.norm")) {
                        r.allocNorm = num(sm.get("score"));
                    } else if (!k.contains("gc.")) {
                        r.secondary.put(k, new double[] {num(sm.get("score")), num(sm.get("scoreError"))});
                        r.secondaryUnit.put(k, (String) sm.get("scoreUnit"));
                    }
                });
            }
            out.add(r);
        }
        return out;
    }

    static double num(Object o) {
        if (o instanceof Double) {
            return (Double) o;
        }
        if (o instanceof String) {
            try {
                return Double.parseDouble((String) o);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** The figures compared across peers: each group's score, or p50/p90/p99 for sampled groups. */
    static List<Metric> metrics(Map<String, List<Result>> groups) {
        List<Metric> out = new ArrayList<>();
        for (Map.Entry<String, List<Result>> g : groups.entrySet()) {
            g.getValue().sort(Comparator.comparingInt(r -> peerOrder(r.peer)));
            Result first = g.getValue().get(0);
            String label = groupLabel(first);
            if (!first.percentiles.isEmpty()) {
                for (String p : List.of("50.0", "90.0", "99.0")) {
                    Metric m = new Metric(first.clazz, label + " p" + p.replace(".0", ""), first.unit);
                    for (Result r : g.getValue()) {
                        Double v = r.percentiles.get(p);
                        if (v != null) {
                            m.byPeer.put(r.peer, v);
                        }
                    }
                    out.add(m);
                }
            } else {
                Metric m = new Metric(first.clazz, label, first.unit);
                for (Result r : g.getValue()) {
                    m.byPeer.put(r.peer, r.score);
                }
                out.add(m);
            }
        }
        return out;
    }

    static String groupLabel(Result r) {
        StringBuilder b = new StringBuilder(r.clazz.replace("Benchmark", "")).append('.').append(r.method);
        r.params.forEach((k, v) -> {
            if (!k.equals("peer")) {
                b.append(' ').append(k).append('=').append(v);
            }
        });
        return b.toString();
    }

    static String markdown(List<Path> files, List<Result> results, Map<String, List<Result>> groups,
                           List<Metric> metrics, String png) {
        StringBuilder b = new StringBuilder();
        b.append("# kcallout benchmark report\n\n");
        b.append("Generated ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(" by `org.kcallout.bench.report.BenchReport` from ")
                .append(files.stream().map(p -> "`" + p.getFileName() + "`").collect(Collectors.joining(", ")))
                .append(".\n\n");
        environment(b, results);
        b.append("\nAll figures are lower-is-better. **Ratio = kcallout ÷ peer**: below 1.00 kcallout is better"
                + " (0.50 = half the cost). Floors: `floor-locked` is a bare intrusive hashed wheel behind one lock,"
                + " `floor-locked-56` the same with timer nodes of a kcallout callout's size (56 bytes instead of 32),"
                + " `floor-unlocked` the same without the lock (owner thread only). `fjp` is the JDK's `ForkJoinPool`"
                + " as a scheduled executor (JDK 25 or later only).\n\n");
        if (png != null) {
            b.append("![chart](").append(Path.of(png).getFileName()).append(")\n\n");
        }
        List<String> peers = new ArrayList<>(Peers.ALL);
        for (Result r : results) {
            if (!peers.contains(r.peer)) {
                peers.add(r.peer);
            }
        }
        List<String> others = peers.stream().filter(p -> !p.equals(Peers.KCALLOUT) && !p.equals(BASELINE))
                .filter(p -> results.stream().anyMatch(r -> r.peer.equals(p))) // only peers that ran
                .collect(Collectors.toList());
        b.append("## Summary: kcallout ÷ peer\n\n| figure | unit | kcallout |");
        others.forEach(p -> b.append(' ').append(p).append(" |"));
        b.append("\n|---|---|---:|");
        others.forEach(p -> b.append("---:|"));
        b.append('\n');
        for (Metric m : metrics) {
            Double k = m.byPeer.get(Peers.KCALLOUT);
            if (k == null || m.byPeer.size() < 2) {
                continue;
            }
            b.append("| ").append(m.label).append(" | ").append(m.unit).append(" | ").append(fmt(k)).append(" |");
            for (String p : others) {
                b.append(' ').append(ratio(k, m.byPeer.get(p))).append(" |");
            }
            b.append('\n');
        }
        String workload = null;
        for (Map.Entry<String, List<Result>> g : groups.entrySet()) {
            List<Result> rows = g.getValue();
            Result first = rows.get(0);
            if (!first.clazz.equals(workload)) {
                workload = first.clazz;
                b.append("\n## ").append(TITLES.getOrDefault(workload, workload)).append("\n");
                String w = workload;
                List<List<Result>> inWorkload = groups.values().stream().filter(l -> l.get(0).clazz.equals(w))
                        .collect(Collectors.toList());
                if (inWorkload.stream().allMatch(l -> l.size() == 1 && l.get(0).peer.equals(Peers.KCALLOUT))) {
                    soloTable(b, inWorkload);
                }
            }
            if (rows.size() == 1 && rows.get(0).peer.equals(Peers.KCALLOUT) && first.percentiles.isEmpty()
                    && groups.values().stream().filter(l -> l.get(0).clazz.equals(first.clazz))
                    .allMatch(l -> l.size() == 1)) {
                continue; // shown in the workload's single table
            }
            b.append("\n### ").append(groupLabel(first)).append(" (").append(first.mode).append(", ")
                    .append(first.file).append(")\n\n");
            Result k = rows.stream().filter(r -> r.peer.equals(Peers.KCALLOUT)).findFirst().orElse(null);
            if (!first.percentiles.isEmpty()) {
                sampledTable(b, rows, k);
            } else {
                scoreTable(b, rows, k);
            }
        }
        return b.toString();
    }

    /** A kcallout-only workload: one table, one row per variant (benchmark method and parameters). */
    private static void soloTable(StringBuilder b, List<List<Result>> groups) {
        b.append("\n| variant | score | ± error | unit | alloc B/op | file |\n|---|---:|---:|---|---:|---|\n");
        for (List<Result> l : groups) {
            Result r = l.get(0);
            b.append("| ").append(groupLabel(r)).append(" (").append(r.mode).append(") | ").append(fmt(r.score))
                    .append(" | ").append(fmt(r.error)).append(" | ").append(r.unit).append(" | ")
                    .append(r.allocNorm == null ? "–" : fmtAlloc(r.allocNorm)).append(" | ").append(r.file).append(" |\n");
            r.secondary.forEach((name, v) -> b.append("| ↳ ").append(name).append(" | ")
                    .append(fmt(v[0], r.secondaryUnit.get(name))).append(" | ").append(fmt(v[1])).append(" | ")
                    .append(r.secondaryUnit.get(name)).append(" | | |\n"));
        }
    }

    private static void scoreTable(StringBuilder b, List<Result> rows, Result k) {
        boolean alloc = rows.stream().anyMatch(r -> r.allocNorm != null);
        b.append("| peer | score | ± error | unit |");
        if (alloc) {
            b.append(" alloc B/op |");
        }
        b.append(" kcallout ÷ peer |\n|---|---:|---:|---|");
        if (alloc) {
            b.append("---:|");
        }
        b.append("---:|\n");
        for (Result r : rows) {
            b.append("| ").append(r.peer).append(" | ").append(fmt(r.score)).append(" | ").append(fmt(r.error))
                    .append(" | ").append(r.unit).append(" |");
            if (alloc) {
                b.append(' ').append(r.allocNorm == null ? "–" : fmtAlloc(r.allocNorm)).append(" |");
            }
            b.append(' ').append(r.peer.equals(BASELINE) ? "(JVM alone)" : k == null || r == k ? "–" : ratio(k.score, r.score))
                    .append(" |\n");
            r.secondary.forEach((name, v) -> b.append("| ↳ ").append(name).append(" | ")
                    .append(fmt(v[0], r.secondaryUnit.get(name))).append(" | ").append(fmt(v[1])).append(" | ")
                    .append(r.secondaryUnit.get(name)).append(" |").append(alloc ? " |" : "").append(" |\n"));
        }
    }

    private static void sampledTable(StringBuilder b, List<Result> rows, Result k) {
        b.append("| peer | p50 | p90 | p99 | max | unit | ÷ p50 | ÷ p99 | notes |\n"
                + "|---|---:|---:|---:|---:|---|---:|---:|---|\n");
        for (Result r : rows) {
            b.append("| ").append(r.peer);
            for (String p : PERCENTILES) {
                Double v = r.percentiles.get(p);
                b.append(" | ").append(v == null ? "–" : fmt(v));
            }
            b.append(" | ").append(r.unit).append(" | ");
            b.append(k == null || r == k ? "–" : ratio(k.percentiles.get("50.0"), r.percentiles.get("50.0"))).append(" | ");
            b.append(k == null || r == k ? "–" : ratio(k.percentiles.get("99.0"), r.percentiles.get("99.0"))).append(" | ");
            b.append(r.secondary.entrySet().stream()
                    .map(e -> e.getKey() + " " + fmt(e.getValue()[0], r.secondaryUnit.get(e.getKey())))
                    .collect(Collectors.joining(", "))).append(" |\n");
        }
    }

    private static void environment(StringBuilder b, List<Result> results) {
        Result jmh = results.stream().filter(r -> r.raw.get("jmhVersion") instanceof String
                && !((String) r.raw.get("jmhVersion")).startsWith("n/a")).findFirst().orElse(results.get(0));
        b.append("| | |\n|---|---|\n");
        b.append("| JMH | ").append(jmh.raw.getOrDefault("jmhVersion", "?")).append(" |\n");
        b.append("| JDK | ").append(jmh.raw.getOrDefault("jdkVersion", "?")).append(", ")
                .append(jmh.raw.getOrDefault("vmName", "?")).append(' ').append(jmh.raw.getOrDefault("vmVersion", ""))
                .append(" |\n");
        Object args = jmh.raw.get("jvmArgs");
        if (args != null) {
            b.append("| JVM options (JMH forks) | `").append(args).append("` |\n");
        }
        b.append("| machine | ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(procField("/proc/cpuinfo", "model name")).append(", ")
                .append(procField("/proc/meminfo", "MemTotal")).append(" RAM, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append(" (where the report was generated)").append(" |\n");
    }

    private static String procField(String file, String key) {
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.filter(l -> l.startsWith(key)).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("?");
        } catch (IOException | UncheckedIOException e) {
            return "?";
        }
    }

    static String ratio(Double k, Double p) {
        if (k == null || p == null || k.isNaN() || p.isNaN()) {
            return "–";
        }
        if (p == 0) {
            return k == 0 ? "1.00" : "∞";
        }
        double q = k / p;
        return String.format(Locale.ROOT, q >= 0.1 ? "%.2f" : "%.2g", q);
    }

    /** {@link #fmt(double)}, but counts (unit {@code #}) as whole numbers. */
    static String fmt(double v, String unit) {
        if ("#".equals(unit) && v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return fmt(v);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** Bytes per operation: two decimals, so that "0.00" reads as "allocates nothing". */
    static String fmtAlloc(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static void write(Path p, String text) {
        try {
            Path parent = p.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
