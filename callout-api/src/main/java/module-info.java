/**
 * The kcallout API: {@link org.kcallout.Callout}, handlers, locks, sbintime, the
 * {@link org.kcallout.CalloutSystem} interface and the C-named facades {@link org.kcallout.KernTimeout} and {@link org.kcallout.KernClock}.
 * Depends on {@code java.base} only.
 */
module org.kcallout.api {
    exports org.kcallout;
    exports org.kcallout.spi;
    exports org.kcallout.et;
    exports org.kcallout.internal to org.kcallout.wheel;

    uses org.kcallout.spi.CalloutSystemProvider;
}
