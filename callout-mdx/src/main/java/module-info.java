/**
 * MDEPX's {@code mdx_callout} framework: callouts kept in per-CPU delta lists and driven by a
 * free-running, up-counting hardware timer with a compare register ({@code struct mi_timer}), and
 * an eventtimers(9) driver for that hardware ({@link org.kcallout.mdx.CounterCompareTimer}).
 * Depends on the API module (for {@link org.kcallout.CalloutFunc} and the event-timer SPI) and
 * {@code java.base} only.
 */
module org.kcallout.mdx {
    requires transitive org.kcallout.api;
    requires static com.google.errorprone.annotations; // @GuardedBy, for Error Prone at compile time

    exports org.kcallout.mdx;
}
