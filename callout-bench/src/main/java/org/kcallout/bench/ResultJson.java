package org.kcallout.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes results of the main programs in the subset of JMH's JSON format that
 * {@link org.kcallout.bench.report.BenchReport} reads: {@code benchmark}, {@code mode},
 * {@code params}, {@code primaryMetric} (score, error, unit, percentiles) and
 * {@code secondaryMetrics}, plus the JVM fields JMH writes.
 */
final class ResultJson {
    private final List<String> entries = new ArrayList<>();

    /** One result row under construction. */
    static final class Entry {
        final String benchmark;
        final String mode;
        final Map<String, String> params = new LinkedHashMap<>();
        double score;
        String unit;
        final Map<String, Double> percentiles = new LinkedHashMap<>();
        final Map<String, double[]> secondary = new LinkedHashMap<>(); // name -> {score}
        final Map<String, String> secondaryUnits = new LinkedHashMap<>();

        Entry(String benchmark, String mode) {
            this.benchmark = benchmark;
            this.mode = mode;
        }

        Entry param(String k, Object v) {
            params.put(k, String.valueOf(v));
            return this;
        }

        Entry score(double s, String u) {
            score = s;
            unit = u;
            return this;
        }

        Entry percentile(String p, double v) {
            percentiles.put(p, v);
            return this;
        }

        Entry secondary(String name, double v, String u) {
            secondary.put(name, new double[] {v});
            secondaryUnits.put(name, u);
            return this;
        }
    }

    void add(Entry e) {
        StringBuilder b = new StringBuilder();
        b.append("  {\n");
        b.append("    \"jmhVersion\" : \"n/a (kcallout main program)\",\n");
        b.append("    \"benchmark\" : ").append(str(e.benchmark)).append(",\n");
        b.append("    \"mode\" : ").append(str(e.mode)).append(",\n");
        b.append("    \"threads\" : 1,\n    \"forks\" : 1,\n");
        b.append("    \"jvm\" : ").append(str(Child.javaCommand())).append(",\n");
        b.append("    \"jdkVersion\" : ").append(str(System.getProperty("java.version"))).append(",\n");
        b.append("    \"vmName\" : ").append(str(System.getProperty("java.vm.name"))).append(",\n");
        b.append("    \"vmVersion\" : ").append(str(System.getProperty("java.vm.version"))).append(",\n");
        b.append("    \"params\" : {");
        String sep = "";
        for (Map.Entry<String, String> p : e.params.entrySet()) {
            b.append(sep).append("\n      ").append(str(p.getKey())).append(" : ").append(str(p.getValue()));
            sep = ",";
        }
        b.append("\n    },\n");
        b.append("    \"primaryMetric\" : {\n");
        b.append("      \"score\" : ").append(num(e.score)).append(",\n");
        b.append("      \"scoreError\" : \"NaN\",\n");
        if (!e.percentiles.isEmpty()) {
            b.append("      \"scorePercentiles\" : {");
            sep = "";
            for (Map.Entry<String, Double> p : e.percentiles.entrySet()) {
                b.append(sep).append("\n        ").append(str(p.getKey())).append(" : ").append(num(p.getValue()));
                sep = ",";
            }
            b.append("\n      },\n");
        }
        b.append("      \"scoreUnit\" : ").append(str(e.unit)).append("\n    },\n");
        b.append("    \"secondaryMetrics\" : {");
        sep = "";
        for (Map.Entry<String, double[]> s : e.secondary.entrySet()) {
            b.append(sep).append("\n      ").append(str(s.getKey())).append(" : { \"score\" : ")
                    .append(num(s.getValue()[0])).append(", \"scoreError\" : \"NaN\", \"scoreUnit\" : ")
                    .append(str(e.secondaryUnits.get(s.getKey()))).append(" }");
            sep = ",";
        }
        b.append("\n    }\n  }");
        entries.add(b.toString());
    }

    void write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, "[\n" + String.join(",\n", entries) + "\n]\n", StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "\"NaN\"";
        }
        return String.format(Locale.ROOT, "%.6g", v);
    }

    private static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
