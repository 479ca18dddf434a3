/**
 * The kcallout demo: a simulated TCP-like network driver on the callout(9) facade. Not a library:
 * it exports nothing.
 *
 * <p>HdrHistogram 2.2.2 has neither a module descriptor nor an {@code Automatic-Module-Name}
 * manifest entry, so its module name is derived from the jar's file name,
 * {@code HdrHistogram-2.2.2.jar}: {@code HdrHistogram} (not {@code org.HdrHistogram}, the package
 * name). A file-name-derived name is unstable, which is one more reason this module is never
 * published. At run time ({@code exec:java}, tests) everything is on the class path anyway.
 */
module org.kcallout.demo {
    requires org.kcallout.wheel; // and, transitively, org.kcallout.api
    requires HdrHistogram;
}
