package org.kcallout.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Compares the {@code ```java} blocks of a Markdown file with the example source regions they show.
 *
 * <p>The scheme: in Markdown, the line before a {@code ```java} fence (blank lines aside) is
 * {@code <!-- example: NAME -->}; in a source file, the region is the lines strictly between
 * {@code // README:begin NAME} and {@code // README:end NAME}. A block equals its region when the
 * two are the same line for line, after trailing whitespace is removed from every line and leading
 * and trailing blank lines from both. Every {@code ```java} block must have a marker, every marker
 * must name a region, and every region must be shown.
 */
final class ReadmeExamples {
    /* Implementation notes: plain line scanning, no Markdown parser; fences are lines that start
     * with ``` (after at most three spaces of indentation, as CommonMark allows). A ```java block
     * inside another fence cannot occur: the scan skips the body of every fence. Problems are
     * collected, not thrown one by one, so that one run reports every stale block. */

    static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*example:\\s*([\\w.-]+)\\s*-->\\s*$");
    static final Pattern BEGIN = Pattern.compile("^\\s*//\\s*README:begin\\s+([\\w.-]+)\\s*$");
    static final Pattern END = Pattern.compile("^\\s*//\\s*README:end\\s+([\\w.-]+)\\s*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}```\\s*(\\S*).*$");

    private ReadmeExamples() {
    }

    /** A {@code ```java} block: its marker's name (null if none), its body and the line of its first body line. */
    record Block(String name, List<String> lines, int firstLine) {
    }

    /** A source region: its lines, the file and the line of its first line. */
    record Region(List<String> lines, String file, int firstLine) {
    }

    /** {@return the {@code ```java} blocks of {@code markdown}, in order} */
    static List<Block> javaBlocks(List<String> markdown) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < markdown.size(); i++) {
            Matcher open = FENCE.matcher(markdown.get(i));
            if (!open.matches()) {
                continue;
            }
            int start = i + 1;
            int end = start;
            while (end < markdown.size() && !markdown.get(end).matches("^ {0,3}```\\s*$")) {
                end++;
            }
            if (open.group(1).equalsIgnoreCase("java")) {
                blocks.add(new Block(markerBefore(markdown, i), List.copyOf(markdown.subList(start, end)), start + 1));
            }
            i = end; // past the closing fence (or the end of an unclosed one)
        }
        return blocks;
    }

    /** {@return the name in the example marker on the last non-blank line before line {@code fence}, or null} */
    private static String markerBefore(List<String> markdown, int fence) {
        for (int j = fence - 1; j >= 0; j--) {
            String l = markdown.get(j);
            if (!l.isBlank()) {
                Matcher m = MARKER.matcher(l);
                return m.matches() ? m.group(1) : null;
            }
        }
        return null;
    }

    /**
     * The regions of one source file.
     *
     * @param problems receives unbalanced or duplicate markers
     */
    static Map<String, Region> regions(String file, List<String> source, List<String> problems) {
        Map<String, Region> regions = new LinkedHashMap<>();
        String open = null;
        int start = -1;
        for (int i = 0; i < source.size(); i++) {
            Matcher b = BEGIN.matcher(source.get(i));
            Matcher e = END.matcher(source.get(i));
            if (b.matches()) {
                if (open != null) {
                    problems.add(file + ":" + (i + 1) + ": README:begin " + b.group(1) + " inside region " + open);
                }
                open = b.group(1);
                start = i + 1;
            } else if (e.matches()) {
                if (!e.group(1).equals(open)) {
                    problems.add(file + ":" + (i + 1) + ": README:end " + e.group(1) + " does not close "
                            + (open == null ? "any region" : "region " + open));
                } else if (regions.put(open, new Region(List.copyOf(source.subList(start, i)), file, start + 1)) != null) {
                    problems.add(file + ": region " + open + " defined twice");
                }
                open = null;
            }
        }
        if (open != null) {
            problems.add(file + ": region " + open + " is never closed (no // README:end " + open + ")");
        }
        return regions;
    }

    /**
     * Every problem with {@code markdown} against {@code regions}: java blocks without a marker,
     * markers naming no region, blocks that differ from their region (with the first differing
     * line), regions no block shows.
     */
    static List<String> compare(String mdName, List<String> markdown, Map<String, Region> regions) {
        List<String> problems = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (Block b : javaBlocks(markdown)) {
            if (b.name() == null) {
                problems.add(mdName + ":" + (b.firstLine() - 1) + ": a ```java block without an example marker: put "
                        + "<!-- example: NAME --> before it and its code between // README:begin NAME and "
                        + "// README:end NAME in callout-examples/src/main/java");
                continue;
            }
            shown.add(b.name());
            Region r = regions.get(b.name());
            if (r == null) {
                problems.add(mdName + ":" + (b.firstLine() - 1) + ": example '" + b.name()
                        + "' has no // README:begin " + b.name() + " region in the example sources " + regions.keySet());
                continue;
            }
            String diff = firstDifference(b, r);
            if (diff != null) {
                problems.add("example '" + b.name() + "': " + mdName + " differs from " + r.file() + ": " + diff);
            }
        }
        for (String name : regions.keySet()) {
            if (!shown.contains(name)) {
                problems.add("region '" + name + "' of " + regions.get(name).file() + " is shown by no ```java block of "
                        + mdName);
            }
        }
        return problems;
    }

    /** {@return a description of the first line where the block and the region differ, or null if they are equal} */
    static String firstDifference(Block b, Region r) {
        List<String> md = normalise(b.lines());
        List<String> src = normalise(r.lines());
        int mdOffset = b.firstLine() + leadingBlank(b.lines());
        int srcOffset = r.firstLine() + leadingBlank(r.lines());
        for (int k = 0; k < Math.max(md.size(), src.size()); k++) {
            String m = k < md.size() ? md.get(k) : null;
            String s = k < src.size() ? src.get(k) : null;
            if (m == null || !m.equals(s)) {
                return "first difference at line " + (k + 1) + " of the block (README line "
                        + (m == null ? "<after the block>" : String.valueOf(mdOffset + k)) + ", source line "
                        + (s == null ? "<after the region>" : String.valueOf(srcOffset + k)) + ")\n  README: "
                        + (m == null ? "<nothing>" : m) + "\n  source: " + (s == null ? "<nothing>" : s);
            }
        }
        return null;
    }

    /** Trailing whitespace off every line, leading and trailing blank lines off the whole. */
    static List<String> normalise(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.stripTrailing());
        }
        int from = leadingBlank(out);
        int to = out.size();
        while (to > from && out.get(to - 1).isEmpty()) {
            to--;
        }
        return out.subList(from, to);
    }

    private static int leadingBlank(List<String> lines) {
        int n = 0;
        while (n < lines.size() && lines.get(n).isBlank()) {
            n++;
        }
        return n;
    }

    /** {@return the regions of every {@code .java} file under {@code root}} */
    static Map<String, Region> regionsUnder(Path root, List<String> problems) {
        Map<String, Region> all = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java")).sorted()::iterator) {
                String name = root.relativize(f).toString();
                for (Map.Entry<String, Region> e : regions(name, read(f), problems).entrySet()) {
                    Region prev = all.put(e.getKey(), e.getValue());
                    if (prev != null) {
                        problems.add("region '" + e.getKey() + "' defined in both " + prev.file() + " and " + name);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** {@return the lines of {@code f}, UTF-8} */
    static List<String> read(Path f) {
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
