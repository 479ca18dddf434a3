/**
 * The Java examples of README.md, compiled as a module so that they use only what the published
 * modules export. Not published; it exports nothing.
 */
module org.kcallout.examples {
    requires org.kcallout.wheel;  // and, transitively, org.kcallout.api
    requires org.kcallout.legacy;
}
