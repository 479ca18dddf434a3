package org.kcallout.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.kcallout.bench.peers.Peers;

/**
 * Small multiples: one panel per compared figure, one horizontal bar per peer on a logarithmic axis
 * (the peers differ by orders of magnitude), kcallout in orange, floors in grey, other peers in blue,
 * each bar labelled with its value. Headless Java2D, written with {@link ImageIO}.
 */
final class Chart {
    private static final int COLUMNS = 2;
    private static final int PANEL_W = 780;
    private static final int ROW_H = 20;
    private static final int LABEL_W = 150;
    private static final int VALUE_W = 90;
    private static final int MARGIN = 16;
    private static final Color KCALLOUT = new Color(0xE6, 0x61, 0x00);
    private static final Color FLOOR = new Color(0x99, 0x99, 0x99);
    private static final Color PEER = new Color(0x3D, 0x6E, 0xA8);
    private static final Color GRID = new Color(0xDD, 0xDD, 0xDD);

    private Chart() {
    }

    static void write(List<BenchReport.Metric> all, Path file) {
        System.setProperty("java.awt.headless", "true");
        List<BenchReport.Metric> metrics = panels(all);
        int panelRows = (metrics.size() + COLUMNS - 1) / COLUMNS;
        int[] rowH = new int[panelRows];
        for (int i = 0; i < metrics.size(); i++) {
            rowH[i / COLUMNS] = Math.max(rowH[i / COLUMNS], 46 + metrics.get(i).byPeer.size() * ROW_H + 24);
        }
        int titleH = 44;
        int w = COLUMNS * PANEL_W + (COLUMNS + 1) * MARGIN;
        int h = titleH + MARGIN;
        for (int r : rowH) {
            h += r + MARGIN;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString("kcallout vs peers: lower is better (log scale); orange = kcallout, grey = floors and the JVM-alone baseline",
                    MARGIN, 28);
            int y = titleH;
            for (int i = 0; i < metrics.size(); i++) {
                int x = MARGIN + (i % COLUMNS) * (PANEL_W + MARGIN);
                panel(g, metrics.get(i), x, y, rowH[i / COLUMNS]);
                if (i % COLUMNS == COLUMNS - 1) {
                    y += rowH[i / COLUMNS] + MARGIN;
                }
            }
        } finally {
            g.dispose();
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(img, "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Figures with several peers get a panel each; figures with kcallout alone (the kcallout-only
     * workload) are merged into one panel per workload, one bar per variant.
     */
    private static List<BenchReport.Metric> panels(List<BenchReport.Metric> all) {
        List<BenchReport.Metric> out = new ArrayList<>();
        Map<String, BenchReport.Metric> solo = new java.util.LinkedHashMap<>();
        for (BenchReport.Metric m : all) {
            if (m.byPeer.isEmpty()) {
                continue;
            }
            if (m.byPeer.size() > 1 || !m.byPeer.containsKey(Peers.KCALLOUT)) {
                out.add(withoutNegligibleBaseline(m));
                continue;
            }
            String name = m.label.contains(" ") ? m.label.substring(0, m.label.indexOf(' ')) : m.label;
            String prefix = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
            BenchReport.Metric merged = solo.computeIfAbsent(m.workload + "|" + m.unit,
                    k -> new BenchReport.Metric(m.workload, prefix + " (kcallout only)", m.unit));
            merged.byPeer.put(m.label.substring(prefix.length() + 1), m.byPeer.get(Peers.KCALLOUT));
            merged.solo = true;
        }
        out.addAll(solo.values());
        return out;
    }

    /**
     * The JVM-alone baseline helps where it is comparable (idle CPU); where it is next to nothing
     * (bytes per timer) it would only stretch the log axis, so it is left out of that panel.
     */
    private static BenchReport.Metric withoutNegligibleBaseline(BenchReport.Metric m) {
        Double base = m.byPeer.get(BenchReport.BASELINE);
        if (base == null) {
            return m;
        }
        double minOther = m.byPeer.entrySet().stream().filter(e -> !e.getKey().equals(BenchReport.BASELINE))
                .mapToDouble(Map.Entry::getValue).filter(v -> v > 0).min().orElse(0);
        if (base >= minOther / 100) {
            return m;
        }
        BenchReport.Metric c = new BenchReport.Metric(m.workload, m.label, m.unit);
        m.byPeer.forEach((k, v) -> {
            if (!k.equals(BenchReport.BASELINE)) {
                c.byPeer.put(k, v);
            }
        });
        return c;
    }

    private static void panel(Graphics2D g, BenchReport.Metric m, int x, int y, int h) {
        g.setColor(new Color(0xF7, 0xF7, 0xF7));
        g.fillRect(x, y, PANEL_W, h);
        g.setColor(GRID);
        g.drawRect(x, y, PANEL_W, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(m.label + "  [" + m.unit + "]", x + 8, y + 18);

        double min = Double.MAX_VALUE;
        double max = 0;
        for (double v : m.byPeer.values()) {
            if (v > 0 && !Double.isNaN(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (max == 0) {
            min = 0.1;
            max = 1;
        }
        double lo = Math.floor(Math.log10(min));
        double hi = Math.ceil(Math.log10(max));
        if (hi <= lo) {
            hi = lo + 1;
        }
        int x0 = x + LABEL_W;
        int x1 = x + PANEL_W - VALUE_W;
        int top = y + 32;
        int bottom = top + m.byPeer.size() * ROW_H;

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        FontMetrics fm = g.getFontMetrics();
        for (int d = (int) lo; d <= (int) hi; d++) {
            int gx = xOf(Math.pow(10, d), lo, hi, x0, x1);
            g.setColor(GRID);
            g.drawLine(gx, top - 2, gx, bottom);
            g.setColor(Color.DARK_GRAY);
            String t = decade(d);
            g.drawString(t, gx - fm.stringWidth(t) / 2, bottom + 13);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        fm = g.getFontMetrics();
        int row = 0;
        for (Map.Entry<String, Double> e : m.byPeer.entrySet()) {
            int ry = top + row * ROW_H;
            String peer = e.getKey();
            double v = e.getValue();
            g.setColor(Color.BLACK);
            g.drawString(peer, x + 8, ry + 14);
            g.setColor(m.solo || peer.equals(Peers.KCALLOUT) ? KCALLOUT
                    : peer.startsWith("floor") || peer.equals(BenchReport.BASELINE) ? FLOOR : PEER);
            int bx = v > 0 ? xOf(v, lo, hi, x0, x1) : x0;
            g.fillRect(x0, ry + 3, Math.max(1, bx - x0), ROW_H - 6);
            g.setColor(Color.BLACK);
            g.drawString(BenchReport.fmt(v), bx + 4, ry + 14);
            row++;
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(x0, top - 2, x0, bottom);
    }

    private static int xOf(double v, double lo, double hi, int x0, int x1) {
        double f = (Math.log10(v) - lo) / (hi - lo);
        f = Math.max(0, Math.min(1, f));
        return x0 + (int) Math.round(f * (x1 - x0));
    }

    private static String decade(int d) {
        if (d >= 0 && d <= 6) {
            return String.format(java.util.Locale.ROOT, "%,d", (long) Math.pow(10, d));
        }
        if (d < 0 && d >= -4) {
            return String.format(java.util.Locale.ROOT, "%." + (-d) + "f", Math.pow(10, d));
        }
        return "1e" + d;
    }
}
