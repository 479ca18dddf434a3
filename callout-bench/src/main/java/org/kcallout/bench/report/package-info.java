/**
 * Turns JMH JSON results (and the JMH-shaped JSON of the main programs) into a Markdown table with
 * kcallout's ratio to each peer and floor, and a PNG chart.
 *
 * <p>Written in Java with Java2D and {@code javax.imageio} rather than Python with matplotlib: the
 * JDK already on every machine of the project draws the chart, so the report needs no package that
 * a new machine would have to install (matplotlib is not on the image and PyPI is not reachable).
 * The price is a 200-line JSON reader ({@link org.kcallout.bench.report.Json}) and a plain chart.
 *
 * <p>Single-threaded; depends on {@code java.base} and {@code java.desktop} only (AWT runs headless).
 */
package org.kcallout.bench.report;
